/**
 * What the CLI prints: colours and a progress line that redraws itself where a terminal is attached,
 * plain lines elsewhere (CI logs, pipes), and no colour when NO_COLOR is set.
 */

/** Where the CLI writes. */
export interface Output {
  line(text: string): void;
  error(text: string): void;
  /** A progress line (`label [#####.....] 50%`): redrawn on a terminal, printed at most once per tenth otherwise. */
  progress(label: string, done: number | undefined, total: number | undefined): void;
  /** Ends a progress line. */
  endProgress(): void;
  readonly colour: { bold(s: string): string; red(s: string): string; green(s: string): string; yellow(s: string): string; dim(s: string): string };
}

/** An output on the process's streams. */
export function processOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr, env = process.env): Output {
  const tty = stdout.isTTY === true && !env.CI;
  const coloured = tty && !env.NO_COLOR;
  const paint = (code: number) => (s: string) => (coloured ? `\u001b[${code}m${s}\u001b[0m` : s);
  let drawing = false;
  let lastTenth = -1;
  return {
    line: (text) => {
      if (drawing) stdout.write('\n');
      drawing = false;
      stdout.write(`${text}\n`);
    },
    error: (text) => void stderr.write(`${text}\n`),
    progress(label, done, total) {
      const fraction = done !== undefined && total ? Math.min(1, done / total) : undefined;
      if (tty) {
        const bar = fraction === undefined ? '' : ` [${'#'.repeat(Math.round(fraction * 20)).padEnd(20, '.')}] ${Math.round(fraction * 100)}%`;
        stdout.write(`\r${label}${bar}\u001b[K`);
        drawing = true;
        return;
      }
      const tenth = fraction === undefined ? 0 : Math.floor(fraction * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      stdout.write(`${label}${fraction === undefined ? '' : ` ${Math.round(fraction * 100)}%`}\n`);
    },
    endProgress() {
      if (drawing) stdout.write('\n');
      drawing = false;
      lastTenth = -1;
    },
    colour: { bold: paint(1), red: paint(31), green: paint(32), yellow: paint(33), dim: paint(2) },
  };
}
