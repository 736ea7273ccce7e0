import {describe, expect, it} from 'vitest';
import {UsageError} from '../../source/core/errors.js';
import {
	addPlan,
	checkPlan,
	extractPlanJson,
	planGraph,
	planPrompt,
	planRetryMarker,
	proposePlan,
	simulatedPlan,
	type Plan,
	type PlanAgent,
	type PlanAnswer,
} from '../../source/core/plan.js';
import {newTask, settleStatuses, type Task, type TaskTable} from '../../source/core/task.js';
import {seededRandom} from '../helpers/in-memory-repository.js';

const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));
const store = table(
	newTask({id: 'bd-old1', title: 'Existing work', status: 'completed'}),
	newTask({id: 'bd-old2', title: 'Open work'}),
);
const inStore = (id: string) => store.has(id);
const t = (key: string, fields: Record<string, unknown> = {}) => ({
	key,
	title: `Task ${key}`,
	...fields,
});
const answer = (tasks: unknown[], epic: unknown = {title: 'Epic', description: 'why'}) => ({
	epic,
	tasks,
});

describe('checkPlan', () => {
	it.each([
		{
			name: 'a valid plan, defaults filled',
			value: answer([t('a'), t('b', {dependsOn: ['a', 'bd-old1'], estimatedMinutes: 45})]),
			errors: [],
		},
		{
			name: 'not an object',
			value: [1, 2],
			errors: ['the answer must be one JSON object with "epic" and "tasks"'],
		},
		{
			name: 'no tasks',
			value: answer([]),
			errors: ['"tasks" must be a non-empty array of tasks'],
		},
		{
			name: 'empty titles, of the epic and of a task',
			value: answer([t('a', {title: '  '})], {title: ''}),
			errors: ['the epic\'s "title" is empty', 'task 1 ("a"): the "title" is empty'],
		},
		{
			name: 'a key used twice',
			value: answer([t('a'), t('a')]),
			errors: ['task 2 ("a"): the key "a" is used by an earlier task'],
		},
		{
			name: 'a task with no key',
			value: answer([{title: 'x'}]),
			errors: ['task 1 has no "key"'],
		},
		{
			name: 'an unknown key',
			value: answer([t('a', {dependsOn: ['zz']})]),
			errors: [
				'task "a" depends on "zz", which is neither a key of this plan nor a task id in the store',
			],
		},
		{
			name: 'a task on itself',
			value: answer([t('a', {dependsOn: ['a']})]),
			errors: ['task "a" depends on itself'],
		},
		{
			name: 'a cycle',
			value: answer([
				t('a', {dependsOn: ['c']}),
				t('b', {dependsOn: ['a']}),
				t('c', {dependsOn: ['b']}),
			]),
			errors: ['cycle: a → b → c → a'],
		},
		{
			name: 'a wrong estimate and wrong lists',
			value: answer([t('a', {estimatedMinutes: -5, requiredSkills: {}, dependsOn: 7})]),
			errors: [
				'task 1 ("a"): "estimatedMinutes" must be a number of minutes above 0 (got -5)',
				'task 1 ("a"): "requiredSkills" must be a list of strings',
				'task 1 ("a"): "dependsOn" must be a list of keys',
			],
		},
	])('$name', ({value, errors}) => {
		const check = checkPlan(value, inStore);
		expect(check.ok ? [] : check.errors).toEqual(errors);
	});

	it('fills the defaults: 30 minutes, no skills, no dependencies', () => {
		const check = checkPlan(answer([t('a')]), inStore);
		expect(check.ok && check.plan.tasks[0]).toEqual({
			key: 'a',
			title: 'Task a',
			description: '',
			estimatedMinutes: 30,
			requiredSkills: [],
			dependsOn: [],
		});
	});

	it('a key that is also a store id means the plan task', () => {
		const check = checkPlan(answer([t('bd-old2'), t('b', {dependsOn: ['bd-old2']})]), inStore);
		expect(check.ok).toBe(true);
		if (!check.ok) return;
		const written = addPlan(store, check.plan, {now: new Date(0), random: seededRandom(1)});
		const b = written.result.tasks[1] as Task;
		expect(b.dependencies).toEqual([written.result.ids.get('bd-old2')]);
	});
});

describe('extractPlanJson', () => {
	it.each([
		{name: 'bare JSON', text: '{"a": 1}', want: {a: 1}},
		{name: 'a json fence among words', text: 'Here:\n```json\n{"a": 2}\n```\nDone.', want: {a: 2}},
		{
			name: 'the last json fence that parses',
			text: '```json\n{"a": 1}\n```\nfixed:\n```json\n{"a": 3}\n```',
			want: {a: 3},
		},
		{name: 'a plain fence', text: '```\n{"a": 4}\n```', want: {a: 4}},
		{name: 'braces in prose', text: 'The plan is {"a": 5} as asked.', want: {a: 5}},
	])('$name', ({text, want}) => {
		expect(extractPlanJson(text)).toEqual({value: want});
	});

	it.each([
		{text: '', error: 'the answer was empty'},
		{text: 'I cannot plan this.', error: 'the answer holds no JSON object'},
	])('says why there is no plan in $text', ({text, error}) => {
		expect(extractPlanJson(text)).toEqual({error});
	});

	it('names a parse error', () => {
		const found = extractPlanJson('```json\n{"a": }\n```');
		expect('error' in found && found.error).toMatch(/^the answer's JSON does not parse/);
	});
});

describe('addPlan', () => {
	const plan: Plan = {
		epic: {title: 'Login', description: 'A login page'},
		tasks: [
			{
				key: 'ui',
				title: 'Page',
				description: '',
				estimatedMinutes: 40,
				requiredSkills: ['react'],
				dependsOn: [],
			},
			{
				key: 'api',
				title: 'API',
				description: 'the endpoint',
				estimatedMinutes: 60,
				requiredSkills: [],
				dependsOn: ['bd-old1'],
			},
			{
				key: 'e2e',
				title: 'Tests',
				description: '',
				estimatedMinutes: 20,
				requiredSkills: [],
				dependsOn: ['ui', 'api'],
			},
		],
	};
	const now = new Date('2026-11-23T10:00:00Z');

	it('writes an epic and its tasks with new bd- ids, parentId the epic, keys turned into ids', () => {
		const {tasks, result} = addPlan(store, plan, {now, random: seededRandom(3), request: 'log in'});
		expect(tasks.size).toBe(store.size + 4);
		expect(result.epic).toMatchObject({
			type: 'epic',
			title: 'Login',
			metadata: {plan: {request: 'log in'}},
		});
		const ids = [result.epic.id, ...result.tasks.map((task) => task.id)];
		expect(new Set(ids).size).toBe(4);
		for (const id of ids) {
			expect(id).toMatch(/^bd-[\da-z]{4,}$/);
			expect(store.has(id)).toBe(false);
		}
		for (const task of result.tasks) expect(task.parentId).toBe(result.epic.id);
		const [ui, api, e2e] = result.tasks as [Task, Task, Task];
		expect(api.dependencies).toEqual(['bd-old1']);
		expect(e2e.dependencies).toEqual([ui.id, api.id]);
		expect(ui.requiredSkills).toEqual(['react']);
		// As the store writes it: the tasks that wait on nothing open are ready, the epic pending.
		const settled = settleStatuses(tasks, now);
		expect(settled.get(ui.id)?.status).toBe('ready');
		expect(settled.get(api.id)?.status).toBe('ready');
		expect(settled.get(e2e.id)?.status).toBe('pending');
		expect(settled.get(result.epic.id)?.status).toBe('pending');
	});

	it('writes nothing when a store task it depends on has gone since', () => {
		const gone = table(newTask({id: 'bd-other', title: 'x'}));
		expect(() => addPlan(gone, plan, {now, random: seededRandom(3)})).toThrow(UsageError);
	});
});

describe('planGraph', () => {
	it('has the critical path of the plan, store dependencies left out', () => {
		const check = checkPlan(
			answer([
				t('a', {estimatedMinutes: 10}),
				t('b', {estimatedMinutes: 50, dependsOn: ['a', 'bd-old2']}),
				t('c', {estimatedMinutes: 20, dependsOn: ['a']}),
			]),
			inStore,
		);
		if (!check.ok) throw new Error(check.errors.join('; '));
		const graph = planGraph(check.plan);
		expect(graph.criticalPath).toEqual(['a', 'b']);
		expect(graph.criticalMinutes).toBe(60);
	});
});

/** An agent that answers from a list, and records what it was asked. */
function scripted(...answers: PlanAnswer[]): PlanAgent & {prompts: string[]} {
	const prompts: string[] = [];
	return {
		name: 'scripted',
		prompts,
		async ask(prompt) {
			prompts.push(prompt);
			return answers[prompts.length - 1] ?? {ok: false, message: 'asked too often'};
		},
	};
}

const text = (value: unknown): PlanAnswer => ({
	ok: true,
	text: `\`\`\`json\n${JSON.stringify(value)}\n\`\`\``,
});
const good = answer([t('a'), t('b', {dependsOn: ['a']})]);
const cyclic = answer([t('a', {dependsOn: ['b']}), t('b', {dependsOn: ['a']})]);

describe('proposePlan', () => {
	it.each([
		{name: 'a valid first answer', answers: [text(good)], kind: 'plan', attempts: 1},
		{
			name: 'a wrong answer, then a right one',
			answers: [text(cyclic), text(good)],
			kind: 'plan',
			attempts: 2,
		},
		{
			name: 'two wrong answers',
			answers: [text(cyclic), {ok: true, text: 'no'} as PlanAnswer],
			kind: 'invalid',
			attempts: 2,
		},
		{
			name: 'an agent that fails',
			answers: [{ok: false, message: 'Not logged in'} as PlanAnswer],
			kind: 'failed',
			attempts: 1,
		},
	])('$name', async ({answers, kind, attempts}) => {
		const agent = scripted(...answers);
		const outcome = await proposePlan(agent, 'build it', store);
		expect(outcome.kind).toBe(kind);
		expect(outcome.attempts).toBe(attempts);
		expect(agent.prompts).toHaveLength(attempts);
	});

	it("sends the errors back with the request, and reports the second answer's errors", async () => {
		const agent = scripted(text(cyclic), text(answer([t('a', {title: ''})])));
		const outcome = await proposePlan(agent, 'build it', store);
		expect(agent.prompts[0]).not.toContain(planRetryMarker);
		expect(agent.prompts[1]).toContain(`Your ${planRetryMarker}:\n- cycle: a → b → a`);
		expect(agent.prompts[1]).toContain('Request: build it');
		expect(outcome).toEqual({
			kind: 'invalid',
			errors: ['task 1 ("a"): the "title" is empty'],
			attempts: 2,
		});
	});

	it('refuses an empty request before asking', async () => {
		const agent = scripted(text(good));
		await expect(proposePlan(agent, '  ', store)).rejects.toThrow(UsageError);
		expect(agent.prompts).toHaveLength(0);
	});
});

describe('planPrompt', () => {
	it('names the request, the JSON shape and the open store tasks first', () => {
		const prompt = planPrompt('Add search', [...store.values()]);
		expect(prompt).toContain('Request: Add search');
		expect(prompt).toContain('"dependsOn"');
		expect(prompt.indexOf('bd-old2 [pending]')).toBeLessThan(prompt.indexOf('bd-old1 [completed]'));
	});
});

describe('simulatedPlan', () => {
	it.each([
		'Add a login page, store sessions in redis and then write the docs',
		'fix the bug',
		'$(rm -rf ~); `echo hi`',
	])('is a valid plan for %j', (request) => {
		const plan = simulatedPlan(request);
		const check = checkPlan(JSON.parse(JSON.stringify(plan)), () => false);
		expect(check.ok).toBe(true);
		expect(plan.tasks.at(-1)?.dependsOn.length).toBe(plan.tasks.length - 2);
	});
});
