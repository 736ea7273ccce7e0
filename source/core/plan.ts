/**
 * `jetpack-tui plan "REQUEST"` (PRODUCT.md §16): the planning prompt, the answer read as a task
 * graph and checked, one retry with the errors, and the graph written as an epic and its tasks.
 * Pure: the agent that answers comes in through the `PlanAgent` port.
 */
import {UsageError} from './errors.js';
import {buildGraph, type Graph} from './graph.js';
import type {Change} from './ports.js';
import {newTaskId, type OpContext} from './task-ops.js';
import {isEpic, newTask, sortedTasks, type Task, type TaskTable} from './task.js';

export interface PlanTask {
	/** Names the task within this plan; `dependsOn` refers to it. */
	readonly key: string;
	readonly title: string;
	readonly description: string;
	readonly estimatedMinutes: number;
	readonly requiredSkills: readonly string[];
	/** Keys of this plan, or ids of tasks already in the store. */
	readonly dependsOn: readonly string[];
}

export interface Plan {
	readonly epic: {readonly title: string; readonly description: string};
	readonly tasks: readonly PlanTask[];
}

/** A plan bigger than this is not a plan a person can read before accepting it. */
export const maxPlanTasks = 200;
/** The request goes into an argument: Linux takes at most 128 KiB in one. */
export const maxRequestChars = 20_000;
/** The store's tasks the prompt names, so the plan can depend on them. */
const maxStoreTasksInPrompt = 60;
/** Errors handed back to the agent, and printed. */
const maxErrors = 20;

/** Words of the prompt the fake model servers recognise a planning request by; keep them. */
export const planPromptMarker = 'task graph as JSON';
export const planRetryMarker = 'previous answer was not valid';

const shape = `{"epic": {"title": "...", "description": "..."}, "tasks": [{"key": "t1", "title": "...", "description": "...", "estimatedMinutes": 30, "requiredSkills": ["typescript"], "dependsOn": []}, {"key": "t2", "title": "...", "description": "...", "estimatedMinutes": 45, "requiredSkills": [], "dependsOn": ["t1"]}]}`;

/** What the planning agent is asked; `existing`: the store's tasks it may depend on. */
export function planPrompt(request: string, existing: readonly Task[] = []): string {
	const open = existing.filter((task) => !isEpic(task));
	const listed = [
		...open.filter((task) => task.status !== 'completed'),
		...open.filter((task) => task.status === 'completed'),
	].slice(0, maxStoreTasksInPrompt);
	const store =
		listed.length === 0
			? 'The task store is empty.'
			: [
					`Tasks already in the store (id [status]: title), which a new task may depend on by id${open.length > listed.length ? ` (${listed.length} of ${open.length})` : ''}:`,
					...listed.map((task) => `- ${task.id} [${task.status}]: ${oneLine(task.title)}`),
				].join('\n');
	return [
		'You are planning work for a team of coding agents that will work in this repository in parallel. Do not change any file and do not run anything that changes the repository: read what you need, then answer.',
		'',
		`Request: ${request.trim()}`,
		'',
		'Break the request into one epic and its tasks: each task small enough for one agent to finish alone (15 to 120 minutes), with a description that says what "done" means, its estimate in minutes, the skills it needs, and the tasks that must be finished before it can start. Prefer a graph with independent branches that agents can work on at the same time.',
		'',
		`Answer with the ${planPromptMarker}: one JSON object and nothing else, in a \`\`\`json fence, of this shape:`,
		shape,
		'"key" names a task within this plan. "dependsOn" lists keys of this plan, or ids of tasks already in the store, that must be finished first. No cycles; every title non-empty.',
		'',
		store,
	].join('\n');
}

/** The prompt again, with what was wrong with the first answer. */
export function planRetryPrompt(
	request: string,
	existing: readonly Task[],
	errors: readonly string[],
): string {
	return [
		planPrompt(request, existing),
		'',
		`Your ${planRetryMarker}:`,
		...errors.slice(0, maxErrors).map((error) => `- ${error}`),
		'Answer again with the whole corrected JSON object.',
	].join('\n');
}

/**
 * The JSON object in an answer: the last ```json fence that parses, else any fence, else the text
 * from its first `{` to its last `}`.
 */
export function extractPlanJson(answer: string): {value: unknown} | {error: string} {
	const candidates: string[] = [];
	const fences = [...answer.matchAll(/```[ \t]*([\w-]*)[^\n]*\n([\s\S]*?)```/g)];
	for (const fence of fences.filter((f) => (f[1] ?? '').toLowerCase() === 'json').reverse())
		candidates.push(fence[2] ?? '');
	for (const fence of fences.filter((f) => (f[1] ?? '').toLowerCase() !== 'json').reverse())
		candidates.push(fence[2] ?? '');
	const first = answer.indexOf('{');
	const last = answer.lastIndexOf('}');
	if (first !== -1 && last > first) candidates.push(answer.slice(first, last + 1));
	let parseError: string | undefined;
	for (const candidate of candidates) {
		try {
			const value: unknown = JSON.parse(candidate);
			if (typeof value === 'object' && value !== null && !Array.isArray(value)) return {value};
		} catch (error) {
			parseError ??= (error as Error).message;
		}
	}

	if (answer.trim() === '') return {error: 'the answer was empty'};
	return {
		error:
			parseError === undefined
				? 'the answer holds no JSON object'
				: `the answer's JSON does not parse (${parseError})`,
	};
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

function oneLine(text: string): string {
	return text.replaceAll(/\s+/g, ' ').trim();
}

function stringList(value: unknown): string[] | undefined {
	if (value === undefined || value === null) return [];
	if (typeof value === 'string') return [value];
	if (!Array.isArray(value)) return undefined;
	if (!value.every((item) => typeof item === 'string' || typeof item === 'number'))
		return undefined;
	return [...new Set(value.map((item) => String(item).trim()).filter((item) => item !== ''))];
}

export type PlanCheck =
	| {readonly ok: true; readonly plan: Plan}
	| {readonly ok: false; readonly errors: readonly string[]};

/**
 * A parsed answer checked as a plan: the shape, empty titles, keys used twice, dependencies on
 * keys that are neither in the plan nor ids in the store, cycles. Missing optional fields take
 * their defaults (30 minutes, no skills, no dependencies).
 */
export function checkPlan(value: unknown, inStore: (id: string) => boolean): PlanCheck {
	const errors: string[] = [];
	if (!isObject(value))
		return {ok: false, errors: ['the answer must be one JSON object with "epic" and "tasks"']};
	const rawEpic = value['epic'];
	let epicTitle = '';
	let epicDescription = '';
	if (!isObject(rawEpic)) errors.push('"epic" must be an object with a "title"');
	else {
		epicTitle = typeof rawEpic['title'] === 'string' ? oneLine(rawEpic['title']) : '';
		if (epicTitle === '') errors.push('the epic\'s "title" is empty');
		epicDescription =
			typeof rawEpic['description'] === 'string' ? rawEpic['description'].trim() : '';
	}

	const rawTasks = value['tasks'];
	if (!Array.isArray(rawTasks) || rawTasks.length === 0) {
		errors.push('"tasks" must be a non-empty array of tasks');
		return {ok: false, errors};
	}

	if (rawTasks.length > maxPlanTasks)
		errors.push(`"tasks" has ${rawTasks.length} tasks; a plan holds at most ${maxPlanTasks}`);
	const tasks: PlanTask[] = [];
	const seen = new Set<string>();
	for (const [index, raw] of rawTasks.slice(0, maxPlanTasks).entries()) {
		const where = `task ${index + 1}`;
		if (!isObject(raw)) {
			errors.push(`${where} is not an object`);
			continue;
		}

		const rawKey = raw['key'] ?? raw['id'];
		const key =
			typeof rawKey === 'string' || typeof rawKey === 'number' ? String(rawKey).trim() : '';
		const name = key === '' ? where : `${where} ("${key}")`;
		if (key === '') errors.push(`${where} has no "key"`);
		else if (seen.has(key)) errors.push(`${name}: the key "${key}" is used by an earlier task`);
		seen.add(key);
		const title = typeof raw['title'] === 'string' ? oneLine(raw['title']) : '';
		if (title === '') errors.push(`${name}: the "title" is empty`);
		const rawMinutes = raw['estimatedMinutes'];
		const minutes = rawMinutes === undefined || rawMinutes === null ? 30 : Number(rawMinutes);
		if (typeof rawMinutes === 'boolean' || !Number.isFinite(minutes) || minutes <= 0)
			errors.push(
				`${name}: "estimatedMinutes" must be a number of minutes above 0 (got ${JSON.stringify(rawMinutes)})`,
			);
		const skills = stringList(raw['requiredSkills']);
		if (skills === undefined) errors.push(`${name}: "requiredSkills" must be a list of strings`);
		const dependsOn = stringList(raw['dependsOn'] ?? raw['dependencies']);
		if (dependsOn === undefined) errors.push(`${name}: "dependsOn" must be a list of keys`);
		tasks.push({
			key,
			title,
			description: typeof raw['description'] === 'string' ? raw['description'].trim() : '',
			estimatedMinutes: minutes,
			requiredSkills: skills ?? [],
			dependsOn: dependsOn ?? [],
		});
	}

	const keys = new Set(tasks.map((task) => task.key));
	for (const task of tasks) {
		for (const dep of task.dependsOn) {
			if (dep === task.key) errors.push(`task "${task.key}" depends on itself`);
			else if (!keys.has(dep) && !inStore(dep))
				errors.push(
					`task "${task.key}" depends on "${dep}", which is neither a key of this plan nor a task id in the store`,
				);
		}
	}

	for (const cycle of planGraph({epic: {title: epicTitle, description: ''}, tasks}).cycles)
		errors.push(`cycle: ${cycle.join(' → ')}`);

	if (errors.length > 0) return {ok: false, errors: errors.slice(0, maxErrors)};
	return {ok: true, plan: {epic: {title: epicTitle, description: epicDescription}, tasks}};
}

/**
 * The plan's own tasks as a graph, keys for ids, for its critical path and tree: dependencies on
 * the store's tasks are left out (they are the store's work, done or not).
 */
export function planGraph(plan: Plan): Graph {
	const keys = new Set(plan.tasks.map((task) => task.key));
	const table = new Map<string, Task>();
	for (const task of plan.tasks) {
		if (table.has(task.key)) continue;
		table.set(
			task.key,
			newTask({
				id: task.key,
				title: task.title,
				estimatedMinutes: task.estimatedMinutes,
				dependencies: task.dependsOn.filter((dep) => keys.has(dep) && dep !== task.key),
			}),
		);
	}

	return buildGraph(table);
}

/** The whole plan's work in minutes, every task counted once. */
export function planMinutes(plan: Plan): number {
	return plan.tasks.reduce((sum, task) => sum + task.estimatedMinutes, 0);
}

export interface WrittenPlan {
	readonly epic: Task;
	/** In the plan's order. */
	readonly tasks: readonly Task[];
	/** The id each key became. */
	readonly ids: ReadonlyMap<string, string>;
}

/**
 * The plan added to the store in one change: an epic and its tasks with new `bd-` ids, each task's
 * `parentId` the epic, dependencies on keys turned into the new ids. A store id the plan depends
 * on that has gone since it was checked is a usage error: nothing is written.
 */
export function addPlan(
	tasks: TaskTable,
	plan: Plan,
	context: OpContext & {readonly request?: string; readonly maxRetries?: number},
): Change<WrittenPlan> {
	const keys = new Set(plan.tasks.map((task) => task.key));
	for (const task of plan.tasks)
		for (const dep of task.dependsOn)
			if (!keys.has(dep) && !tasks.has(dep))
				throw new UsageError(
					`Task "${task.key}" of the plan depends on ${dep}, which is no longer in the store; plan again.`,
				);

	const next = new Map(tasks);
	const taken = (id: string) => next.has(id);
	const stamp = context.now.toISOString();
	const epic = newTask({
		id: newTaskId(taken, context.random),
		title: plan.epic.title,
		description: plan.epic.description,
		type: 'epic',
		createdAt: stamp,
		updatedAt: stamp,
		...(context.request === undefined ? {} : {metadata: {plan: {request: context.request}}}),
	});
	next.set(epic.id, epic);
	const ids = new Map<string, string>();
	for (const task of plan.tasks) {
		const id = newTaskId(taken, context.random);
		ids.set(task.key, id);
		// Reserved at once, so the next new id cannot be the same.
		next.set(id, newTask({id, title: task.title}));
	}

	const written: Task[] = [];
	for (const task of plan.tasks) {
		const id = ids.get(task.key) as string;
		const created = newTask({
			id,
			title: task.title,
			description: task.description,
			estimatedMinutes: task.estimatedMinutes,
			requiredSkills: task.requiredSkills,
			dependencies: [...new Set(task.dependsOn.map((dep) => ids.get(dep) ?? dep))],
			parentId: epic.id,
			createdAt: stamp,
			updatedAt: stamp,
			...(context.maxRetries === undefined ? {} : {maxRetries: context.maxRetries}),
		});
		next.set(id, created);
		written.push(created);
	}

	return {tasks: next, result: {epic, tasks: written, ids}};
}

/** What a planning agent said: its final answer, or why it gave none. */
export type PlanAnswer =
	{readonly ok: true; readonly text: string} | {readonly ok: false; readonly message: string};

/** The agent that plans: asked with a prompt, it answers with text (PRODUCT.md §16). */
export interface PlanAgent {
	readonly name: string;
	/** `attempt`: 1 for the first question, 2 for the retry with the errors. */
	ask(prompt: string, attempt: number): Promise<PlanAnswer>;
}

export type PlanOutcome =
	| {readonly kind: 'plan'; readonly plan: Plan; readonly attempts: number}
	/** Both answers were wrong: what was wrong with the second. */
	| {readonly kind: 'invalid'; readonly errors: readonly string[]; readonly attempts: number}
	/** The agent gave no answer (its CLI failed). */
	| {readonly kind: 'failed'; readonly message: string; readonly attempts: number};

/** Checks an answer's text as a plan. */
export function readPlanAnswer(text: string, inStore: (id: string) => boolean): PlanCheck {
	const found = extractPlanJson(text);
	if ('error' in found) return {ok: false, errors: [found.error]};
	return checkPlan(found.value, inStore);
}

/**
 * Asks the agent for a plan; a wrong answer goes back to it once with the errors (PRODUCT.md
 * §16). `store`: the tasks as they are now, for the prompt and for dependencies on their ids.
 */
export async function proposePlan(
	agent: PlanAgent,
	request: string,
	store: TaskTable,
): Promise<PlanOutcome> {
	const trimmed = request.trim();
	if (trimmed === '')
		throw new UsageError('The request is empty; say what to plan: jetpack-tui plan "REQUEST".');
	if (trimmed.length > maxRequestChars)
		throw new UsageError(
			`The request is ${trimmed.length} characters long; keep it under ${maxRequestChars} (put the details in a file in the repository and name it).`,
		);
	const existing = sortedTasks(store);
	const inStore = (id: string) => store.has(id);
	let prompt = planPrompt(trimmed, existing);
	for (let attempt = 1; ; attempt++) {
		const answer = await agent.ask(prompt, attempt);
		if (!answer.ok) return {kind: 'failed', message: answer.message, attempts: attempt};
		const check = readPlanAnswer(answer.text, inStore);
		if (check.ok) return {kind: 'plan', plan: check.plan, attempts: attempt};
		if (attempt >= 2) return {kind: 'invalid', errors: check.errors, attempts: attempt};
		prompt = planRetryPrompt(trimmed, existing, check.errors);
	}
}

/**
 * The simulated agent's plan (PRODUCT.md §8): no AI, a graph made from the request's own words, so
 * `plan` can be tried (and tested) without a CLI. Each part of the request (split at sentences,
 * `;`, `,` and ` and `) becomes a task that builds on a first "survey" task, and a last task checks
 * them all together.
 */
export function simulatedPlan(request: string): Plan {
	const text = oneLine(request);
	const parts = text
		.split(/(?<=[.!?])\s+|;|,|\band then\b|\bthen\b|\band\b/i)
		.map((part) => part.replace(/[.!?]+$/, '').trim())
		.filter((part) => part.length > 0)
		.slice(0, 8);
	const short = (part: string) => (part.length > 80 ? `${part.slice(0, 79)}…` : part);
	const capital = (part: string) => part.charAt(0).toUpperCase() + part.slice(1);
	const work = parts.length > 0 ? parts : [text];
	const tasks: PlanTask[] = [
		{
			key: 'survey',
			title: `Survey the code for: ${short(text)}`,
			description: 'Read the code the request touches and note where each part goes.',
			estimatedMinutes: 15,
			requiredSkills: [],
			dependsOn: [],
		},
		...work.map((part, index) => ({
			key: `part-${index + 1}`,
			title: capital(short(part)),
			description: `Do this part of the request: ${part}.`,
			estimatedMinutes: 30 + 15 * (part.split(' ').length % 4),
			requiredSkills: [],
			dependsOn: ['survey'],
		})),
		{
			key: 'check',
			title: 'Test the whole request end to end',
			description: `Check that every part works together: ${text}`,
			estimatedMinutes: 20,
			requiredSkills: ['testing'],
			dependsOn: work.map((_, index) => `part-${index + 1}`),
		},
	];
	return {epic: {title: capital(short(text)), description: text}, tasks};
}

/** The simulated agent as a planning agent: it answers as a CLI would, JSON in a fence. */
export function simulatedPlanAgent(request: string): PlanAgent {
	return {
		name: 'simulated',
		async ask() {
			return {
				ok: true,
				text: `Here is the plan.\n\n\`\`\`json\n${JSON.stringify(simulatedPlan(request), undefined, 2)}\n\`\`\`\n`,
			};
		},
	};
}
