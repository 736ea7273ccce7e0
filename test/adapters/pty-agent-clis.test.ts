/**
 * The pty launcher and the real agent CLIs' ways (PRODUCT.md §13), against real processes in
 * real pseudo-terminals: a structured CLI's events as a transcript, logs that read as the screen
 * did, and an environment that does not leak our terminal multiplexer.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {TranscriptItem} from '../../source/core/clis/detector.js';
import {launchNode, screenText} from '../helpers/pty-agents.js';
import {tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

/** A parser in the shape of a detector's: `{"say": …}` lines are messages, `{"other": …}` nothing. */
function parse(line: string): readonly TranscriptItem[] | undefined {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return undefined;
	}

	const event = value as {say?: string; done?: boolean};
	if (event.say !== undefined) return [{kind: 'message', text: event.say}];
	if (event.done === true) return [{kind: 'result', ok: true, message: 'ok'}];
	return [];
}

describe('a structured CLI in a pty', () => {
	it('shows its events as a transcript, other lines as printed, and keeps the raw events beside a readable log', async () => {
		// One event split across two writes, a line that is no event, an event that shows nothing.
		const script = `
			const w = (s) => process.stdout.write(s);
			w('{"say": "Reading the');
			setTimeout(() => {
				w(' code"}\\n');
				w('warning: not an event\\n');
				w('{"other": 1}\\n{"done": true}\\n');
			}, 100);`;
		const seen: TranscriptItem[] = [];
		const dir = await tempRepo();
		const eventsFile = path.join(dir, 'logs', '1.events.jsonl');
		const {agent, logFile, exited} = await launchNode(script, {
			logFile: path.join(dir, 'logs', '1.log'),
			transcript: {parse, eventsFile},
		});
		agent.onItems((items) => seen.push(...items));
		await exited;
		expect(seen).toEqual([
			{kind: 'message', text: 'Reading the code'},
			{kind: 'result', ok: true, message: 'ok'},
		]);
		const screen = screenText(agent.screen());
		expect(screen).toContain('● Reading the code');
		expect(screen).toContain('warning: not an event');
		expect(screen).toContain('✓ done');
		expect(screen).not.toContain('{"say"');
		const log = readFileSync(logFile, 'utf8');
		expect(log).toContain('● Reading the code\nwarning: not an event\n');
		expect(log).not.toContain('\u001B');
		expect(readFileSync(eventsFile, 'utf8')).toBe(
			'{"say": "Reading the code"}\n{"other": 1}\n{"done": true}\n',
		);
	});

	it('shows a question with no newline at once, so a person can answer it', async () => {
		const script = `process.stdout.write('Trust this folder? (y/n) '); process.stdin.once('data', (d) => { console.log('got ' + String(d).trim()); process.exit(0); });`;
		const dir = await tempRepo();
		const {agent, exited} = await launchNode(script, {
			transcript: {parse, eventsFile: path.join(dir, 'e.jsonl')},
		});
		await until(
			() => screenText(agent.screen()).includes('Trust this folder? (y/n)'),
			'the question on the screen',
		);
		agent.write('y\r');
		await exited;
		expect(screenText(agent.screen())).toContain('got y');
	});
});

describe('an agent in a pty', () => {
	it('reads as the screen did in its log: cursor moves are the spaces and line breaks they stood for', async () => {
		// As a full-screen CLI draws: words placed by moving the cursor, rows by addressing them.
		const script = `process.stdout.write('Enter\\u001b[1Cto\\u001b[1Cconfirm\\u001b[3C·\\u001b[1CEsc\\u001b[2;1HNot\\u001b[1Clogged\\u001b[1Cin\\r\\n')`;
		const {logFile, exited} = await launchNode(script);
		await exited;
		const log = readFileSync(logFile, 'utf8');
		expect(log).toContain('Enter to confirm   · Esc\nNot logged in\n');
	});

	it('keeps a log within its limit: the beginning, the end, and what was cut between', async () => {
		// It exits once told, after its last line has been read: a pty's unread output can be lost
		// when its session leader exits (the kernel hangs the terminal up), which is not what this
		// test is about.
		const script = `for (let n = 0; n < 20000; n++) process.stdout.write('line ' + String(n).padStart(6, '0') + '\\n'); process.stdin.once('data', () => process.exit(0));`;
		const {agent, logFile, exited} = await launchNode(script, {logMaxBytes: 20_000});
		await until(() => agent.tail(1)[0] === 'line 019999', 'the last line read');
		agent.write('\r');
		await exited;
		const log = readFileSync(logFile, 'utf8');
		expect(log.length).toBeLessThan(20_000 + 200);
		expect(log.startsWith('line 000000\n')).toBe(true);
		// (What follows is the echo of the key that told it to exit.)
		expect(log.trimEnd().endsWith('line 019999')).toBe(true);
		expect(log).toMatch(/\[jetpack-tui: \d+ bytes of output cut here/);
	});

	it('gets no TMUX or TMUX_PANE of ours, and the profile’s defaults only where we have none', async () => {
		const saved = {
			TMUX: process.env['TMUX'],
			TMUX_PANE: process.env['TMUX_PANE'],
			HOME: process.env['HOME'],
		};
		process.env['TMUX'] = '/tmp/tmux-0/default,1,0';
		process.env['TMUX_PANE'] = '%1';
		try {
			const script = `console.log(JSON.stringify({tmux: process.env.TMUX ?? null, pane: process.env.TMUX_PANE ?? null, retries: process.env.CLAUDE_CODE_MAX_RETRIES, home: process.env.HOME}))`;
			const {logFile, exited} = await launchNode(script, {
				defaultEnv: {CLAUDE_CODE_MAX_RETRIES: '2', HOME: '/nowhere'},
			});
			await exited;
			expect(JSON.parse(readFileSync(logFile, 'utf8').trim())).toEqual({
				tmux: null,
				pane: null,
				retries: '2',
				home: saved.HOME,
			});
		} finally {
			restore('TMUX', saved.TMUX);
			restore('TMUX_PANE', saved.TMUX_PANE);
		}
	});
});

function restore(name: 'TMUX' | 'TMUX_PANE', value: string | undefined): void {
	if (value === undefined) Reflect.deleteProperty(process.env, name);
	else process.env[name] = value;
}
