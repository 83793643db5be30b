import { describe, expect, it } from 'vitest';
import { decideResume, type ResumeDecision, type ResumeInput } from '../../../src/ftp/resume.ts';

const base: ResumeInput = {
  serverSize: 300,
  sent: 500,
  replayable: { from: 100, to: 500 },
  restAllowed: undefined,
  appeAllowed: undefined,
  sourceRestartable: true,
};

const cases: Array<[string, Partial<ResumeInput>, Pick<ResumeDecision, 'kind'> & Record<string, unknown>]> = [
  ['inside the window: REST+STOR', {}, { kind: 'resume', offset: 300, verb: 'REST+STOR' }],
  ['REST refused: APPE', { restAllowed: false }, { kind: 'resume', offset: 300, verb: 'APPE' }],
  ['at the window start', { serverSize: 100 }, { kind: 'resume', offset: 100 }],
  ['at the window end', { serverSize: 500 }, { kind: 'resume', offset: 500 }],
  ['before the window: run the source again', { serverSize: 99 }, { kind: 'rerun-source' }],
  [
    'before the window, the source replays from 0 (a spool file)',
    { serverSize: 99, replayable: { from: 0, to: 500 }, restAllowed: false, appeAllowed: false },
    { kind: 'from-start' },
  ],
  [
    'both refused (ProFTPD without AllowStoreRestart)',
    { restAllowed: false, appeAllowed: false },
    { kind: 'rerun-source' },
  ],
  ['nothing on the server, window moved on', { serverSize: undefined }, { kind: 'rerun-source' }],
  [
    'nothing on the server, window from 0',
    { serverSize: 0, replayable: { from: 0, to: 10 } },
    { kind: 'from-start' },
  ],
  ['more on the server than was sent', { serverSize: 600 }, { kind: 'rerun-source' }],
  ['no window at all', { replayable: undefined }, { kind: 'rerun-source' }],
  ['stdin past its window: give up', { serverSize: 50, sourceRestartable: false }, { kind: 'give-up' }],
  ['stdin inside its window: resume', { sourceRestartable: false }, { kind: 'resume', offset: 300 }],
  [
    'stdin on a server that refuses restarts: give up',
    { sourceRestartable: false, restAllowed: false, appeAllowed: false },
    { kind: 'give-up' },
  ],
];

describe('decideResume', () => {
  it.each(cases)('%s', (_title, input, expected) => {
    const d = decideResume({ ...base, ...input });
    expect(d).toMatchObject(expected);
    expect(d.why).not.toBe('');
  });

  it('says why it gives up, naming standard input', () => {
    expect(decideResume({ ...base, serverSize: 50, sourceRestartable: false }).why).toMatch(
      /outside the replay window \[100, 500\].*standard input/,
    );
  });
});
