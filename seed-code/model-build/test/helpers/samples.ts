/** Deterministic generated samples shaped like the shipped pipelines' input data. */

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** An abalone-shaped CSV (no header, the UCI columns), with a few missing feature values. */
export function abaloneCsv(rows: number, seed = 12345): string {
  const random = lcg(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const length = 0.15 + random() * 0.6;
    const sex = ['M', 'F', 'I'][Math.floor(random() * 3)];
    const rings = Math.max(1, Math.round(2 + length * 18 + (random() - 0.5) * 3));
    const values = [
      sex,
      length.toFixed(3),
      (length * 0.8).toFixed(3),
      (length * 0.25).toFixed(3),
      (length * length * 2.5).toFixed(4),
      (length * length).toFixed(4),
      (length * length * 0.5).toFixed(4),
      (length * length * 0.7).toFixed(4),
      String(rings),
    ];
    if (i % 37 === 5) {
      values[2] = ''; // imputed by preprocess.py
    }
    lines.push(values.join(','));
  }
  return lines.join('\n') + '\n';
}

/** The columns of the AWS churn walkthrough's churn.txt. */
export const CHURN_COLUMNS = [
  'State', 'Account Length', 'Area Code', 'Phone', "Int'l Plan", 'VMail Plan', 'VMail Message',
  'Day Mins', 'Day Calls', 'Day Charge', 'Eve Mins', 'Eve Calls', 'Eve Charge', 'Night Mins',
  'Night Calls', 'Night Charge', 'Intl Mins', 'Intl Calls', 'Intl Charge', 'CustServ Calls', 'Churn?',
];

/**
 * A churn.txt-shaped CSV with a header. Churn follows customer-service calls and day minutes
 * (learnable), or with `noise` is a coin flip (nothing to learn: the gate must refuse the model).
 */
export function churnCsv(rows: number, options: { seed?: number; noise?: boolean } = {}): string {
  const random = lcg(options.seed ?? 1);
  const states = ['KS', 'OH', 'NJ', 'OK', 'AL', 'MA'];
  const lines = [CHURN_COLUMNS.join(',')];
  for (let i = 0; i < rows; i++) {
    const dayMins = 100 + random() * 250;
    const calls = Math.floor(random() * 8);
    const intlPlan = random() < 0.1 ? 'yes' : 'no';
    const churned = options.noise ? random() < 0.5 : calls >= 4 || dayMins > 300 || intlPlan === 'yes';
    const eveMins = 100 + random() * 200;
    const nightMins = 100 + random() * 200;
    const intlMins = random() * 20;
    lines.push(
      [
        states[Math.floor(random() * states.length)],
        String(1 + Math.floor(random() * 200)),
        ['408', '415', '510'][Math.floor(random() * 3)],
        `${300 + Math.floor(random() * 600)}-${1000 + Math.floor(random() * 9000)}`,
        intlPlan,
        random() < 0.3 ? 'yes' : 'no',
        String(Math.floor(random() * 40)),
        dayMins.toFixed(1),
        String(50 + Math.floor(random() * 100)),
        (dayMins * 0.17).toFixed(2),
        eveMins.toFixed(1),
        String(50 + Math.floor(random() * 100)),
        (eveMins * 0.085).toFixed(2),
        nightMins.toFixed(1),
        String(50 + Math.floor(random() * 100)),
        (nightMins * 0.045).toFixed(2),
        intlMins.toFixed(1),
        String(Math.floor(random() * 10)),
        (intlMins * 0.27).toFixed(2),
        String(calls),
        churned ? 'True.' : 'False.',
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
