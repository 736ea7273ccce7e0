/**
 * The built CLI's TUI in a real pseudo-terminal, read back through a real terminal emulator: the
 * screen a person would see, as text, after every escape sequence has been applied.
 */
import xterm from '@xterm/headless';
import {spawn, type IPty} from 'node-pty';
import {vi} from 'vitest';
import {cliPath} from './cli.js';

export interface Tui {
	/** The visible screen, one string per row, trailing blanks trimmed. */
	lines(): string[];
	text(): string;
	/** Rows that continue the row above: what a line wider than the terminal wrapped into. */
	wrappedRows(): number[];
	/** Everything the program wrote, as written (for checking what leaks). */
	raw(): string;
	type(data: string): void;
	/** Waits until the screen passes `check`; fails with the screen in the message. */
	waitFor(check: (text: string) => boolean, what: string, timeout?: number): Promise<string>;
	resize(cols: number, rows: number): void;
	readonly exited: Promise<number>;
	readonly pid: number;
	kill(): void;
}

export function startTui(
	cwd: string,
	args: readonly string[] = [],
	size: {cols: number; rows: number} = {cols: 120, rows: 36},
): Tui {
	const terminal = new xterm.Terminal({
		cols: size.cols,
		rows: size.rows,
		allowProposedApi: true,
		scrollback: 0,
	});
	// Ink draws nothing but the last frame when it thinks it runs in CI.
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env))
		if (value !== undefined && key !== 'CI' && !key.startsWith('GITHUB_')) env[key] = value;
	const pty: IPty = spawn(process.execPath, [cliPath, ...args], {
		name: 'xterm-256color',
		cwd,
		cols: size.cols,
		rows: size.rows,
		env: {...env, TERM: 'xterm-256color', FORCE_COLOR: '1', JETPACK_SIM_SPEED: '60'},
	});
	let raw = '';
	const maxRaw = 4 * 1024 * 1024;
	pty.onData((data) => {
		raw = (raw + data).slice(-maxRaw);
		terminal.write(data);
	});
	const exited = new Promise<number>((resolve) => {
		pty.onExit(({exitCode}) => {
			resolve(exitCode);
		});
	});
	const lines = () => {
		const buffer = terminal.buffer.active;
		const rows: string[] = [];
		for (let y = 0; y < terminal.rows; y++)
			rows.push(buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '');
		return rows;
	};

	const wrappedRows = () => {
		const buffer = terminal.buffer.active;
		const rows: number[] = [];
		for (let y = 0; y < terminal.rows; y++)
			if (buffer.getLine(buffer.baseY + y)?.isWrapped) rows.push(y);
		return rows;
	};

	const settled = async () =>
		new Promise<void>((resolve) => {
			terminal.write('', resolve);
		});
	return {
		lines,
		text: () => lines().join('\n'),
		wrappedRows,
		raw: () => raw,
		type(data) {
			pty.write(data);
		},
		async waitFor(check, what, timeout = 15_000) {
			let text = '';
			await vi.waitFor(
				async () => {
					await settled();
					text = lines().join('\n');
					if (!check(text)) throw new Error(`the screen does not show ${what}:\n${text}`);
				},
				{timeout, interval: 50},
			);
			return text;
		},
		resize(cols, rows) {
			pty.resize(cols, rows);
			terminal.resize(cols, rows);
		},
		exited,
		pid: pty.pid,
		kill() {
			try {
				pty.kill('SIGKILL');
			} catch {
				// Already gone.
			}
		},
	};
}

/** How many times `needle` occurs in `text`. */
export function occurrences(text: string, needle: string): number {
	let count = 0;
	for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length))
		count++;
	return count;
}
