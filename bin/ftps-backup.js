#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
import process from 'node:process';
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
