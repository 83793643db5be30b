<?php
// A stand-in for a WordPress front controller: the quick start backs this folder up.
require __DIR__ . '/wp-blog-header.php';
