/**
 * Learnings carried forward in a real headless run (PRODUCT.md §16): an agent that prints its
 * prompt, run by the built CLI, reads the notes its dependency left and the repository's
 * learnings, and what one agent learns reaches the agent started after it.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {start} from '../helpers/headless.js';
import {repoWith} from '../helpers/temp-repo.js';

/**
 * Writes its prompt to prompt-<task>.txt, then leaves a note and a learning as the prompt asks.
 * (No braces around a name: the profile's args expand {id}, {prompt} and {title}.)
 */
const agent = [
	"const fs = require('node:fs');",
	"const run = require('node:child_process').execFileSync;",
	'const id = process.env.JETPACK_TASK_ID;',
	"fs.writeFileSync('prompt-' + id + '.txt', process.argv[1]);",
	"run(process.env.JETPACK_CLI, ['task', 'done', id, '--note', id + ' left this note']);",
	"run(process.env.JETPACK_CLI, ['learn', id + ' learned this']);",
].join('\n');

describe('a run carrying learnings forward', () => {
	it("gives each prompt its dependencies' notes and the learnings left before it started", async () => {
		const cwd = await repoWith(
			[
				{id: 'bd-a', title: 'First'},
				{id: 'bd-b', title: 'Second', dependencies: ['bd-a']},
			],
			{
				agents: [
					{name: 'echo', command: process.execPath, args: ['-e', agent, '{prompt}'], count: 1},
				],
				notifications: false,
			},
		);
		expect((await runCli(['learn', 'Run the tests with npm test'], {cwd})).code).toBe(0);
		const run = start(cwd);
		expect(await run.exited, JSON.stringify(run.lines) + run.stderr()).toBe(0);

		const prompt = (id: string) => readFileSync(path.join(cwd, `prompt-${id}.txt`), 'utf8');
		expect(prompt('bd-a')).toMatch(/: Run the tests with npm test\n/);
		expect(prompt('bd-a')).not.toContain('learned this');
		expect(prompt('bd-b')).toContain('- bd-a: First\n  Note: bd-a left this note\n');
		expect(prompt('bd-b')).toMatch(/: bd-a learned this\n/);
		expect(prompt('bd-b')).toContain('`"$JETPACK_CLI" task done bd-b --note "what you learned"`');
	});
});
