/** The pane's transcript of a structured CLI, drawn from events captured from the real CLIs. */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import stripAnsi from 'strip-ansi';
import {describe, expect, it} from 'vitest';
import {claude} from '../../source/core/clis/claude.js';
import {codex} from '../../source/core/clis/codex.js';
import type {CliDetector} from '../../source/core/clis/detector.js';
import {Transcript, usageText} from '../../source/text/transcript.js';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'clis');
const now = new Date('2026-11-29T22:00:00Z');

/** What the pane shows for a capture, line by line, without colour. */
function shown(detector: CliDetector, file: string): string[] {
	const transcript = new Transcript();
	let text = '';
	for (const line of readFileSync(path.join(fixtures, detector.name, file), 'utf8').split('\n')) {
		const items = detector.parse?.(line, now);
		if (items !== undefined) text += transcript.render(items);
	}

	return stripAnsi(text).split('\r\n').slice(0, -1);
}

describe('the transcript of a structured CLI', () => {
	it('shows claude’s session, thinking, message, tool call and its result, and the result with what it spent', () => {
		expect(shown(claude, 'ok.jsonl')).toEqual([
			'○ claude-opus-4-8[1m] · session d6f32d22-3e3f-4dfa-832a-c38f8b26bb5f',
			'✻ The user wants a file; one shell command does it.',
			'● I will create the file.',
			'▸ Bash echo hello > hello.txt && cat hello.txt',
			'  ⎿ hello',
			'● Done: hello.txt now says hello.',
			expect.stringMatching(/^✓ done · [\d.]+k tokens · \$0\.\d{3}$/),
		]);
	});

	it('says a failure once, however many times the CLI repeats it', () => {
		const lines = shown(claude, 'usage-limit.jsonl');
		const limit = lines.filter(
			(line) => line.includes('You’ve hit') || line.includes("You've hit"),
		);
		expect(limit).toHaveLength(1);
		expect(lines.some((line) => line.startsWith('⏸ '))).toBe(true);
	});

	it('shows codex’s commands without their shell wrapper, and its failed turn', () => {
		const tools = shown(codex, 'tools.jsonl');
		expect(tools.some((line) => line.startsWith('▸ '))).toBe(true);
		expect(tools.join('\n')).not.toContain('bash -lc');
		expect(shown(codex, 'overloaded.jsonl').some((line) => line.startsWith('✗ '))).toBe(true);
	});

	it('never passes an escape sequence from a model to the terminal', () => {
		const text = new Transcript().render([
			{kind: 'message', text: 'hi \u001B]0;pwned\u0007 \u001B[2J there'},
		]);
		expect(stripAnsi(text)).toBe('● hi ]0;pwned [2J there\r\n');
		expect(text).not.toContain('\u001B]');
		expect(text).not.toContain('\u001B[2J');
	});

	it('writes tokens and cost short, and marks a cost of ours as estimated', () => {
		expect(usageText({inputTokens: 1200, outputTokens: 300, costUsd: 0.0123})).toBe(
			'1.5k tokens · $0.012',
		);
		expect(usageText({inputTokens: 2_500_000, costUsd: 12.5, costEstimated: true})).toBe(
			'2.5M tokens · ~$12.50',
		);
		expect(usageText(undefined)).toBe('');
	});
});

describe('the transcript of a CLI that streams its words', () => {
	it('joins gemini’s message pieces into one message, and ends it before what comes next', () => {
		const text = stripAnsi(
			new Transcript().render([
				{kind: 'message', text: 'I will ', delta: true},
				{kind: 'message', text: 'create it.\nThen check.', delta: true},
				{kind: 'tool', name: 'run_shell_command', detail: 'echo hi'},
			]),
		);
		expect(text).toBe('● I will create it.\r\n  Then check.\r\n▸ run_shell_command echo hi\r\n');
	});
});

describe('the transcript of gemini', () => {
	it('shows its captured session as one message, its tool call and its result', async () => {
		const {gemini} = await import('../../source/core/clis/gemini.js');
		const lines = shown(gemini, 'ok.jsonl');
		expect(lines.filter((line) => line.startsWith('● '))).not.toHaveLength(0);
		expect(lines.some((line) => line.startsWith('▸ '))).toBe(true);
		expect(lines.at(-1)).toMatch(/^✓ done/);
	});
});
