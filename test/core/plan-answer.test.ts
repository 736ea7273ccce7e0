import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {detectorFor} from '../../source/core/clis/registry.js';
import {AnswerCollector, planArgs} from '../../source/core/plan-answer.js';
import {readPlanAnswer, type PlanAnswer} from '../../source/core/plan.js';
import {profileFor} from '../../source/core/profiles.js';

const fixture = (name: string) =>
	readFileSync(new URL(`../fixtures/clis/${name}`, import.meta.url), 'utf8');
const self = {command: 'node', args: ['cli.js']};
const now = new Date('2026-11-29T12:00:00Z');

/** A captured output fed through the collector as the planner reads it. */
function answerOf(cli: string, text: string, code = 0): PlanAnswer {
	const profile = profileFor({profile: cli, count: 1}, self);
	const collector = new AnswerCollector(detectorFor(profile.cli), planArgs(profile));
	for (const line of text.split('\n')) if (line !== '') collector.line(line, now);
	return collector.finish(code, null, now);
}

describe('planArgs', () => {
	it.each([
		['claude', ['--tools', 'Read,Glob,Grep'], '--dangerously-skip-permissions'],
		['codex', ['--sandbox', 'read-only'], 'workspace-write'],
		['gemini', ['--approval-mode', 'plan'], '--yolo'],
	])('plans with %s read-only and structured', (cli, has, hasNot) => {
		const args = planArgs(profileFor({profile: cli, count: 1}, self));
		expect(args.join(' ')).toContain(has.join(' '));
		expect(args).not.toContain(hasNot);
		expect(detectorFor(cli).structured?.(args)).toBe(true);
		expect(args).toContain('{prompt}');
	});

	it('a custom command plans with its own arguments', () => {
		const profile = profileFor(
			{name: 'mine', command: 'my-agent', args: ['--ask', '{prompt}'], count: 1},
			self,
		);
		expect(planArgs(profile)).toEqual(['--ask', '{prompt}']);
	});
});

describe('the answer of a real CLI (captured against the fake model servers)', () => {
	it.each([
		['claude', 'claude/plan.jsonl', true],
		['claude', 'claude/plan-retried.jsonl', true],
		['claude', 'claude/plan-invalid.jsonl', false],
		['codex', 'codex/plan.jsonl', true],
		['codex', 'codex/plan-invalid.jsonl', false],
	])('%s %s is a plan: %s', (cli, file, valid) => {
		const answer = answerOf(cli, fixture(file));
		expect(answer.ok).toBe(true);
		if (!answer.ok) return;
		const check = readPlanAnswer(answer.text, () => false);
		expect(check.ok).toBe(valid);
		if (check.ok) {
			expect(check.plan.epic.title).toBe('Log in with sessions');
			expect(check.plan.tasks.map((task) => task.key)).toContain('e2e');
		} else {
			expect(check.errors).toEqual([
				'task 2 ("part-1"): the "title" is empty',
				expect.stringMatching(/^cycle: /),
			]);
		}
	});

	it.each([
		['claude', 'claude/not-logged-in.jsonl', 1, /Not logged in/],
		['claude', 'claude/auth.jsonl', 1, /./],
		['codex', 'codex/auth.jsonl', 1, /./],
	])('%s %s is no answer, with the reason', (cli, file, code, reason) => {
		const answer = answerOf(cli, fixture(file), code);
		expect(answer.ok).toBe(false);
		expect(!answer.ok && answer.message).toMatch(reason);
	});

	it('a structured CLI that exits 0 without its final event gave no answer', () => {
		const lines = fixture('claude/plan.jsonl')
			.split('\n')
			.filter((line) => !line.includes('"type":"result"'));
		expect(answerOf('claude', lines.join('\n'))).toEqual({
			ok: false,
			message: 'it ended without a result',
		});
	});

	it('a custom command answers with what it printed', () => {
		const profile = profileFor({name: 'mine', command: 'my-agent', count: 1}, self);
		const collector = new AnswerCollector(detectorFor(profile.cli), planArgs(profile));
		collector.line('```json', now);
		collector.line('{"epic": {"title": "E"}, "tasks": [{"key": "a", "title": "A"}]}', now);
		collector.line('```', now);
		const answer = collector.finish(0, null, now);
		expect(answer.ok && readPlanAnswer(answer.text, () => false).ok).toBe(true);
		expect(new AnswerCollector(detectorFor('generic'), []).finish(2, null, now)).toEqual({
			ok: false,
			message: 'it exited with code 2',
		});
	});
});
