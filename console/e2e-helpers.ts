// Drives `etclab console` in a real terminal (tmux) for end-to-end tests: start it at 80×24, type keys, read
// the screen, wait for text. Each run gets its own tmux server socket, so nothing else's sessions are touched.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/etclab.mjs', import.meta.url));

export interface TmuxConsoleOptions {
  /** Arguments before `console` (e.g. ['-i', file]). */
  args?: string[];
  width?: number;
  height?: number;
  /** Extra environment for the console (no secrets: tmux keeps its environment readable to its user). */
  env?: Record<string, string>;
}

export interface TmuxConsole {
  socket: string;
  /** The visible screen as plain text, one line per row. */
  screen(): string;
  /** Keys as tmux names them: 'j', 'Down', 'Escape', 'Enter', 'q'. */
  send(...keys: string[]): void;
  /** Types literal text (prompt input). */
  type(text: string): void;
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Presses `key` until the screen matches (e.g. moving the selection to a row); gives up after `max` presses. */
  pressUntil(key: string, what: string | RegExp, max?: number): Promise<string>;
  /** Ends the console's tmux server (and so the console). Safe to call twice. */
  stop(): void;
}

export const EXITED_MARK = '[etclab console exited';

const tmux = (socket: string, args: string[], env?: NodeJS.ProcessEnv) =>
  execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });

const matches = (screen: string, what: string | RegExp) => (typeof what === 'string' ? screen.includes(what) : what.test(screen));

export function startConsoleInTmux(o: TmuxConsoleOptions = {}): TmuxConsole {
  const socket = `etclab-console-e2e-${process.pid}-${Date.now()}`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, BIN, ...(o.args ?? []), 'console'].map(q).join(' ');
  // Keep the pane after the console exits so a crash's last words can be read.
  const script = `${cmd}; echo "${EXITED_MARK} with code $?]"; sleep 600`;
  // A fresh tmux server takes its environment from this process: that is how `env` reaches the console.
  tmux(socket, ['new-session', '-d', '-s', 'console', '-x', String(o.width ?? 80), '-y', String(o.height ?? 24), 'sh', '-c', script], {
    ...process.env,
    ...o.env,
    TERM: 'xterm-256color',
  });
  let stopped = false;
  const screen = () => tmux(socket, ['capture-pane', '-p', '-t', 'console']);
  const self: TmuxConsole = {
    socket,
    screen,
    send: (...keys) => void tmux(socket, ['send-keys', '-t', 'console', ...keys]),
    type: (text) => void tmux(socket, ['send-keys', '-t', 'console', '-l', text]),
    async waitFor(what, timeoutMs = 30_000) {
      const t0 = Date.now();
      let s = '';
      for (;;) {
        s = screen();
        if (matches(s, what)) return s;
        if (s.includes(EXITED_MARK) && !matches(EXITED_MARK, what)) throw new Error(`the console exited while waiting for ${what}:\n${s}`);
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async pressUntil(key, what, max = 40) {
      for (let i = 0; i <= max; i++) {
        const s = screen();
        if (matches(s, what)) return s;
        self.send(key);
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`pressed ${key} ${max} times without seeing ${what}; screen:\n${screen()}`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        tmux(socket, ['kill-server']);
      } catch {
        // already gone
      }
    },
  };
  return self;
}

/** Why the lab console suite cannot run here, or null when it can. */
export function labConsoleSkipReason(): string | null {
  if (process.env.ETCLAB_E2E !== '1') return 'set ETCLAB_E2E=1 to run it (it brings the lab and the cluster up itself)';
  if (process.getuid?.() !== 0) return 'needs root for the lab namespaces: run as root';
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs tmux: apt-get install tmux';
  }
  return null;
}
