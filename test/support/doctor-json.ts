/** The shape of `ftps-backup doctor --json` as the integration tests read it. */
export interface DoctorStep {
  id: string;
  ok: true | false | 'warn' | 'skip';
  title: string;
  detail: string;
  hint?: string;
}

export interface DoctorJson {
  ok: boolean;
  steps: DoctorStep[];
  stoppedBecause?: string;
  facts: {
    tls?: { protocol: string; cipher: string };
    dataTls?: { protocol: string; cipher: string; reused: boolean };
    certificate?: { fingerprint256: string; trustedBy: string; pinLine: string };
    eraseRights?: { delete: boolean; rename: boolean; overwrite: boolean };
    canSetTimes?: boolean;
  };
  suggestedConfig: string;
}

/** The step with this id, if doctor reported it. */
export function doctorStep(d: DoctorJson, id: string): DoctorStep | undefined {
  return d.steps.find((s) => s.id === id);
}
