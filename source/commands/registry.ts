/**
 * Every subcommand: its words, usage, help and the flags it takes. `cli.tsx` parses the command
 * line with meow, finds the command here, checks its flags, and hands off. Commands are imported
 * only when run, so `task list` does not load what `import` needs.
 */
import {UsageError} from '../core/errors.js';
import type {CommandContext, CommandResult} from './context.js';

export interface Flags {
	readonly dir?: string;
	readonly agents?: number;
	readonly agent: readonly string[];
	readonly maxHours?: number;
	readonly json: boolean;
	readonly headless: boolean;
	readonly demo: boolean;
	readonly priority?: string;
	readonly description?: string;
	readonly dep: readonly string[];
	readonly skill: readonly string[];
	readonly tag: readonly string[];
	readonly estimate?: number;
	readonly status?: string;
	readonly ready: boolean;
	readonly failed: boolean;
	readonly reason?: string;
	readonly note?: string;
	readonly fix: boolean;
	readonly dryRun?: boolean;
	readonly all: boolean;
	readonly graph: boolean;
	readonly criticalPath: boolean;
	readonly format?: string;
	readonly from?: string;
	readonly accept?: boolean;
	readonly reject?: string;
	readonly stat?: boolean;
	readonly by?: string;
	readonly yes?: boolean;
	/** Where the tasks live (PRODUCT.md §15): a `postgres://…` URL, or `file`. */
	readonly store?: string;
}

export type FlagName = keyof Flags;

/** The flags that take a value, as opposed to switches such as `--json`. */
export type ValueFlagName = {
	[K in FlagName]: NonNullable<Flags[K]> extends boolean ? never : K;
}[FlagName];

interface ValueFlag {
	readonly short?: string;
	/** What the value is, after "needs": "a task id". */
	readonly value: string;
	/** The value in an example: `--dep bd-a1b2`. */
	readonly example: string;
	/** Why the text given is not a value of this flag, or undefined when it is one. */
	readonly wrong?: (text: string) => string | undefined;
}

const aboveZero = (unit: string) => (text: string) => {
	const number = Number(text);
	return Number.isFinite(number) && number > 0 && text.trim() !== ''
		? undefined
		: `is not a number of ${unit} above 0`;
};

/** What `cost --by` groups the spend by; the first is the default. */
export const costGroupings: readonly string[] = ['task', 'profile', 'day'];

/** Every flag that takes a value: the type makes a new one need its line here. */
export const valueFlags: Readonly<Record<ValueFlagName, ValueFlag>> = {
	dir: {short: 'C', value: 'a folder', example: '../my-repo'},
	agents: {
		short: 'a',
		value: 'a number of agents',
		example: '4',
		wrong: (text) =>
			/^\d+$/.test(text) && Number(text) >= 1
				? undefined
				: 'is not a number of agents; give a whole number of at least 1',
	},
	agent: {
		value: 'a profile',
		example: 'claude:2',
		wrong(text) {
			const match = /^[\w.-]+(?::(\d+))?$/.exec(text);
			if (match === null) return 'is not a profile; write it as PROFILE or PROFILE:COUNT';
			return match[1] === undefined || Number(match[1]) >= 1
				? undefined
				: 'asks for no agents; give a count of at least 1';
		},
	},
	maxHours: {value: 'a number of hours', example: '8', wrong: aboveZero('hours')},
	priority: {short: 'p', value: 'a priority', example: 'high'},
	description: {short: 'd', value: 'a description', example: '"what the agent should do"'},
	dep: {value: 'a task id', example: 'bd-a1b2'},
	skill: {value: 'a skill', example: 'python'},
	tag: {value: 'a tag', example: 'ui'},
	estimate: {value: 'a number of minutes', example: '45', wrong: aboveZero('minutes')},
	status: {value: 'a status', example: 'failed'},
	reason: {value: 'a reason', example: '"waiting for the API key"'},
	note: {value: 'a note', example: '"the API needs the X-Key header"'},
	format: {value: 'a format', example: 'dot'},
	from: {value: 'a task id', example: 'bd-a1b2'},
	reject: {value: 'a reason', example: '"the tests miss the error path"'},
	store: {value: 'a store URL', example: 'postgres://USER:PASSWORD@HOST/DB?project=NAME'},
	by: {
		value: 'task, profile or day',
		example: 'profile',
		wrong: (text) => (costGroupings.includes(text) ? undefined : 'is not task, profile or day'),
	},
};

/**
 * Checks the value of every value flag on the command line as typed, before meow reads it: meow
 * silently drops `--dep` with nothing after it, and turns `-a abc` into NaN, losing what was typed.
 * A value that starts with `-` is the next flag, unless it is a number (`--max-hours -1`).
 */
export function checkFlagValues(argv: readonly string[]): void {
	const byName = new Map<string, ValueFlagName>();
	for (const name of Object.keys(valueFlags) as ValueFlagName[]) {
		byName.set(`--${name}`, name);
		byName.set(`--${kebab(name)}`, name);
		const {short} = valueFlags[name];
		if (short !== undefined) byName.set(`-${short}`, name);
	}

	for (let index = 0; index < argv.length; index++) {
		const token = argv[index] ?? '';
		if (token === '--') return;
		if (!token.startsWith('-')) continue;
		const equals = token.indexOf('=');
		const typed = equals === -1 ? token : token.slice(0, equals);
		let text: string | undefined = equals === -1 ? undefined : token.slice(equals + 1);
		const name = byName.get(typed);
		if (name === undefined) continue;
		const flag = valueFlags[name];
		if (text === undefined) {
			const next = argv[index + 1];
			if (next !== undefined && (!next.startsWith('-') || /^-\.?\d/.test(next))) {
				text = next;
				index++;
			}
		}

		if (text === undefined || text === '')
			throw new UsageError(`${typed} needs ${flag.value}: \`${typed} ${flag.example}\`.`);
		const wrong = flag.wrong?.(text);
		if (wrong !== undefined)
			throw new UsageError(
				`${typed} ${JSON.stringify(text)} ${wrong}, like \`${typed} ${flag.example}\`.`,
			);
	}
}

export interface Invocation {
	/** Words after the command's own, e.g. the ids of `task retry a b`. */
	readonly args: readonly string[];
	readonly flags: Flags;
}

export interface CommandSpec {
	readonly words: readonly string[];
	readonly usage: string;
	readonly summary: string;
	/** Lines of help after the usage; flags as `  -x, --flag VALUE   what it does`. */
	readonly help: readonly string[];
	readonly flags: readonly FlagName[];
	readonly args: {readonly min: number; readonly max: number; readonly name: string};
	/** Read-only commands never create `.beads/`. */
	readonly run: (context: CommandContext, invocation: Invocation) => CommandResult;
}

const many = Number.POSITIVE_INFINITY;

/** The flags and exit codes of a run, with or without the TUI. */
const runFlagsHelp = [
	'  -a, --agents N              how many agents (shared among the configured profiles)',
	'      --agent PROFILE[:N]     the pool, repeatable: --agent claude:2 --agent codex:2',
	'      --max-hours H           stop claiming after H hours and wind down',
];
const runExitHelp =
	'Exit: 0 all completed, 1 some failed or blocked, 3 no agent could run, 130 interrupted.';

export const commands: readonly CommandSpec[] = [
	{
		words: [],
		usage: '',
		summary:
			'the TUI: agents at work in panes, tasks, graph and log; runs the tasks like --headless',
		help: [
			...runFlagsHelp,
			'Keys: 1-4 or tab switch views (panes, tasks, graph, log), ? lists every key, q quits.',
			'Needs a terminal; without one (piped, CI) use --headless.',
			runExitHelp,
		],
		flags: ['agents', 'agent', 'maxHours'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) =>
			(await import('./interactive.js')).runInteractive(context, invocation),
	},
	{
		words: ['init'],
		usage: 'init',
		summary: 'create .beads/tasks.jsonl and .jetpack/config.json (detects agent CLIs on PATH)',
		help: ['Leaves an existing store and config as they are.'],
		flags: [],
		args: {min: 0, max: 0, name: ''},
		run: async (context) => (await import('./init.js')).runInit(context),
	},
	{
		words: ['task', 'add'],
		usage:
			'task add TITLE [-p PRIORITY] [-d DESCRIPTION] [--dep ID]... [--skill S]... [--tag T]... [--estimate MIN] [--json]',
		summary: 'add a task',
		help: [
			'  -p, --priority P      critical, high, medium (default) or low; 0-4 also accepted',
			'  -d, --description D   what the agent should do',
			'      --dep ID          a task that must be completed first (repeatable)',
			'      --skill S         a skill the agent must have (repeatable)',
			'      --tag T           a tag, for filtering and taskLimits (repeatable)',
			'      --estimate MIN    minutes it should take (default 30; weights the critical path)',
			'      --json            print the created task as JSON',
		],
		flags: ['priority', 'description', 'dep', 'skill', 'tag', 'estimate', 'json'],
		args: {min: 1, max: 1, name: 'TITLE'},
		run: async (context, invocation) =>
			(await import('./task-add.js')).runTaskAdd(context, invocation),
	},
	{
		words: ['task', 'list'],
		usage: 'task list [--status S] [--ready] [--json]',
		summary: 'list tasks in id order',
		help: [
			'      --status S   only tasks with this status (comma-separated for several)',
			'      --ready      only tasks that can run now',
			'      --json       a JSON array of the tasks as stored',
		],
		flags: ['status', 'ready', 'json'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) =>
			(await import('./task-list.js')).runTaskList(context, invocation),
	},
	{
		words: ['task', 'show'],
		usage: 'task show ID [--json]',
		summary: 'show one task with its dependencies and attempts',
		help: ['      --json   the task as stored'],
		flags: ['json'],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./task-show.js')).runTaskShow(context, invocation),
	},
	{
		words: ['task', 'retry'],
		usage: 'task retry ID... | --failed',
		summary: 'make failed tasks runnable again (retries and backoff reset)',
		help: ['      --failed   every failed task'],
		flags: ['failed'],
		args: {min: 0, max: many, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./task-change.js')).runTaskRetry(context, invocation),
	},
	{
		words: ['task', 'done'],
		usage: 'task done ID [--note TEXT]',
		summary: 'mark a task completed',
		help: [
			'      --note TEXT   what you learned that the tasks depending on it need; added to its',
			'                    notes, which their prompts carry',
		],
		flags: ['note'],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./task-change.js')).runTaskDone(context, invocation),
	},
	{
		words: ['task', 'fail'],
		usage: 'task fail ID [--reason TEXT]',
		summary: 'mark a task failed',
		help: ['      --reason TEXT   why (kept as the last error)'],
		flags: ['reason'],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./task-change.js')).runTaskFail(context, invocation),
	},
	{
		words: ['task', 'block'],
		usage: 'task block ID --reason TEXT',
		summary: 'hold a task back by hand',
		help: ['      --reason TEXT   why (required)'],
		flags: ['reason'],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./task-change.js')).runTaskBlock(context, invocation),
	},
	{
		words: ['task', 'unblock'],
		usage: 'task unblock ID',
		summary: 'clear the blockers of a task',
		help: [],
		flags: [],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./task-change.js')).runTaskUnblock(context, invocation),
	},
	{
		words: ['mcp'],
		usage: 'mcp',
		summary: 'an MCP server (stdio) over the task store, for agent CLIs and other MCP clients',
		help: [
			'Tools: list_tasks, show_task, add_task, complete_task (with a note), fail_task, block_task,',
			'unblock_task, add_note, ready_tasks, critical_path, run_status. Each call is one store',
			"transaction with the CLI's checks; a wrong one is an error result with the CLI's sentence.",
			'Ends when its stdin closes. Claude Code: claude mcp add jetpack -- jetpack-tui mcp',
			'(README.md shows Codex and Gemini).',
		],
		flags: [],
		args: {min: 0, max: 0, name: ''},
		run: async (context) => (await import('./mcp.js')).runMcp(context),
	},
	{
		words: ['learn'],
		usage: 'learn ["TEXT"] [--json]',
		summary: 'add a learning that every later prompt carries (.jetpack/learnings.md)',
		help: [
			'Appends a dated entry to .jetpack/learnings.md (a Markdown list; edit it freely). The newest',
			'entries (10, at most 3,000 characters) go into every agent prompt.',
			'Without TEXT: the entries prompts carry now.',
			'      --json   without TEXT: a JSON array of those entries',
		],
		flags: ['json'],
		args: {min: 0, max: 1, name: 'TEXT'},
		run: async (context, invocation) => (await import('./learn.js')).runLearn(context, invocation),
	},
	{
		words: ['validate'],
		usage: 'validate [--fix]',
		summary: 'check every line of the store against the schema',
		help: [
			'      --fix   write the defaults of missing fields (mistakes still need a person)',
			'Exits 1 when it finds problems.',
		],
		flags: ['fix', 'json'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) =>
			(await import('./validate.js')).runValidate(context, invocation),
	},
	{
		words: ['recover'],
		usage: 'recover',
		summary: 'restore a damaged store from backup; return tasks held by a dead run to ready',
		help: ['The file it replaces is kept beside the store as tasks.jsonl.corrupt-<time>.'],
		flags: [],
		args: {min: 0, max: 0, name: ''},
		run: async (context) => (await import('./recover.js')).runRecover(context),
	},
	{
		words: ['status'],
		usage: 'status [--json]',
		summary: 'task counts and the current run (safe while a run is going)',
		help: [
			'      --json   {"tasks": {"total", "byStatus", "runnable"}, "run",',
			'               "cost": {"usd", "inputTokens", "outputTokens", "byProfile"}}',
		],
		flags: ['json'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) =>
			(await import('./status.js')).runStatus(context, invocation),
	},
	{
		words: ['import'],
		usage: 'import FILE [--all] [--json]',
		summary: 'import a beads export (.beads/issues.jsonl or beads.jsonl) into the store',
		help: [
			'      --all    also import pinned and ephemeral issues',
			'      --json   print the import report as JSON',
			'Re-importing the same file updates tasks; it never duplicates them.',
		],
		flags: ['all', 'json'],
		args: {min: 1, max: 1, name: 'FILE'},
		run: async (context, invocation) =>
			(await import('./import.js')).runImport(context, invocation),
	},
	{
		words: ['deps'],
		usage: 'deps [--graph] [--critical-path] [--format text|dot|mermaid|json] [--from ID] [-a N]',
		summary: 'the dependency graph as a tree, and the critical path',
		help: [
			'      --graph           the graph (the default): a tree from the tasks that depend on nothing',
			'      --critical-path   the longest chain of unfinished work, first to do to last, with an ETA',
			'      --format F        text (default), dot (Graphviz), mermaid, or json',
			'      --from ID         only ID and what depends on it',
			'  -a, --agents N        agents for the ETA (default: the agents in .jetpack/config.json)',
			'Exits 1 when the graph has a cycle, and names it.',
		],
		flags: ['graph', 'criticalPath', 'format', 'from', 'agents', 'json'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) => (await import('./deps.js')).runDeps(context, invocation),
	},
	{
		words: ['review'],
		usage: 'review [ID] [--accept | --reject REASON] [--json]',
		summary: 'finished work waiting for a person (merge: "review"): list, accept or reject it',
		help: [
			'Without ID: the tasks waiting for review, with their branch and diff stat.',
			'With ID: its diff stat, and how to accept or reject it.',
			'      --accept          merge its work into the integration branch; the task is completed',
			'                        (safe while a run goes on: merges take turns)',
			'      --reject REASON   send it back to the queue, no retry spent; its next attempt is told',
			'                        REASON and the branch keeping the rejected work',
			'      --json            a JSON array of the waiting tasks (with ID: that one; with --accept',
			'                        or --reject: {"id", "status", "message"})',
			'`jetpack-tui diff ID` shows the whole diff. Exit 1 when an accepted task no longer merges',
			'(it goes back to the queue as a conflict).',
		],
		flags: ['accept', 'reject', 'json'],
		args: {min: 0, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./review.js')).runReview(context, invocation),
	},
	{
		words: ['diff'],
		usage: 'diff ID [--stat]',
		summary: "what a task's last attempt changed, against the base it started from",
		help: [
			'      --stat   the files changed and how much (git diff --stat), not the patch',
			'Coloured on a terminal, plain when piped or with NO_COLOR. Once merged: what the merge',
			'brought into the integration branch. A task that ran in the shared folder has no diff.',
		],
		flags: ['stat'],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) => (await import('./diff.js')).runDiff(context, invocation),
	},
	{
		words: ['cost'],
		usage: 'cost [--json] [--by task|profile|day]',
		summary: 'tokens and money the agents spent, by task, profile or day',
		help: [
			'      --by G   task (the default: costliest first), profile, or day',
			'      --json   {"usd", "estimated", "unpriced", "inputTokens", "outputTokens", "cacheReadTokens",',
			'               "byTask": {id: usd}, "byProfile": {name: usd}, "byDay": {date: usd}}',
			"Money is the CLI's own figure (claude) or tokens priced from list prices (~, estimated). For a",
			"subscription login, claude's figure is what the usage would cost at API prices, not what is billed.",
		],
		flags: ['json', 'by'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) => (await import('./cost.js')).runCost(context, invocation),
	},
	{
		words: ['plan'],
		usage: 'plan "REQUEST" [--agent PROFILE] [--yes] [--json]',
		summary: 'an agent breaks a request into an epic and its tasks, to accept and add',
		help: [
			'      --agent PROFILE   the agent that plans (default: the first in .jetpack/config.json);',
			'                        claude, codex and gemini plan read-only; simulated needs no CLI',
			'      --yes             write the plan without asking (needed without a terminal)',
			'      --json            print the written epic and tasks as JSON: {"epic", "tasks"}',
			'The plan is shown as a tree with its critical path and total estimate. An answer that is',
			'not a valid plan goes back to the agent once with its errors. Exit 1 when it is still not',
			'valid, or not accepted (nothing written); 3 when the agent gave no answer.',
		],
		flags: ['agent', 'yes', 'json'],
		args: {min: 1, max: 1, name: 'REQUEST'},
		run: async (context, invocation) => (await import('./plan.js')).runPlan(context, invocation),
	},
	{
		words: ['simulate'],
		usage: 'simulate ID',
		summary:
			'the built-in simulated agent: behaves as the task\'s "sim" field says (for demos and tests)',
		help: [
			'The "sim" field: {"ms": 1200, "exit": 0, "output": "lines|spew|tui", "memoryMbPerSec": 0,',
			'"hang": false, "ignoreSigterm": false}, every key optional. Without "ms" it works for',
			'estimatedMinutes divided by JETPACK_SIM_SPEED (default 60: 30 minutes take 30 s).',
		],
		flags: [],
		args: {min: 1, max: 1, name: 'ID'},
		run: async (context, invocation) =>
			(await import('./simulate.js')).runSimulate(context, invocation),
	},
	{
		words: ['--headless'],
		usage: '--headless [-a N] [--agent PROFILE[:COUNT]]... [--max-hours H] [--json]',
		summary: 'run the agents over the tasks with no screen: one line per event, for overnight runs',
		help: [
			...runFlagsHelp,
			'      --json                  one JSON object per event',
			'Ends when nothing runnable or running is left. Ctrl-c once: no new tasks, running agents get',
			'graceSeconds to finish; twice: they are stopped now. Their tasks go back to the queue.',
			runExitHelp,
		],
		flags: ['headless', 'agents', 'agent', 'maxHours', 'json'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) =>
			(await import('./headless.js')).runHeadless(context, invocation),
	},
	{
		words: ['--demo'],
		usage: '--demo',
		summary: 'the TUI on the sample project, in a temporary folder, with simulated agents',
		help: [
			'The sample project in .beads-example/ is copied to a temporary folder; four simulated agents',
			'work through it in about three minutes. With --headless (or without a terminal) it runs headless.',
		],
		flags: ['demo', 'agents', 'json', 'headless'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) => (await import('./demo.js')).runDemo(context, invocation),
	},
	{
		words: ['export'],
		usage: 'export [--format jsonl]',
		summary: 'the store as JSONL on stdout, whatever its backend (as .beads/tasks.jsonl holds it)',
		help: [
			'      --format jsonl   the only format: one task object per line, in id order',
			'Moves a project between backends: jetpack-tui --store URL export > tasks.jsonl, and',
			'jetpack-tui --store URL import .beads/tasks.jsonl the other way.',
		],
		flags: ['format'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) =>
			(await import('./export.js')).runExport(context, invocation),
	},
	{
		words: ['clean'],
		usage: 'clean [--dry-run] [--json]',
		summary: 'remove the worktrees and task branches no run needs (worktree mode)',
		help: [
			'      --dry-run   say what would be removed, and remove nothing',
			'      --json      {"dryRun", "removed", "kept", "failed", "pruned", "bytesFreed"}',
			'Kept: the work of a task a live run holds, or one waiting for review, and unmerged work of',
			"a task that will run again (its next attempt reuses it). Gone: failed attempts' kept",
			'worktrees, worktrees and branches of completed or deleted tasks, merged branches.',
			'Exits 1 when something could not be removed, and says why.',
		],
		flags: ['dryRun', 'json'],
		args: {min: 0, max: 0, name: ''},
		run: async (context, invocation) => (await import('./clean.js')).runClean(context, invocation),
	},
];

export const globalFlags: readonly FlagName[] = ['dir', 'store'];

const globalHelp = [
	'  -C, --dir DIR   the repository (default: JETPACK_WORK_DIR, else found upwards from here, as git does)',
	'      --store URL the tasks in PostgreSQL: postgres://USER:PASSWORD@HOST/DB?project=NAME (default:',
	'                  JETPACK_STORE, else "store" in .jetpack/config.json, else .beads/tasks.jsonl)',
	'  -h, --help      help for a command: jetpack-tui task add --help',
];

/** The command named by the leading words, and the words left over as its arguments. */
export function findCommand(
	words: readonly string[],
): {spec: CommandSpec; args: readonly string[]} | undefined {
	let best: CommandSpec | undefined;
	// No words at all: the TUI, whose spec has none.
	if (words.length === 0) best = commands.find((spec) => spec.words.length === 0);
	for (const spec of commands) {
		if (
			spec.words.every((word, index) => words[index] === word) &&
			spec.words.length > (best?.words.length ?? 0)
		) {
			best = spec;
		}
	}

	return best === undefined ? undefined : {spec: best, args: words.slice(best.words.length)};
}

export function commandHelp(spec: CommandSpec): string {
	return [
		`Usage: jetpack-tui ${spec.usage}`,
		'',
		`  ${spec.summary}`,
		'',
		...spec.help,
		'',
		...globalHelp,
		'',
	].join('\n');
}

export function mainHelp(version: string): string {
	const width = Math.max(...commands.map((spec) => spec.usage.split(' [')[0]?.length ?? 0));
	const lines = commands.map((spec) => {
		const name = spec.usage.split(' [')[0] ?? spec.usage;
		return `  jetpack-tui ${name.padEnd(width)}  ${spec.summary}`;
	});
	return [
		`jetpack-tui ${version}: AI coding agents on a dependency-ordered task list, each in its own terminal pane.`,
		'',
		'Usage:',
		...lines,
		'',
		'Options:',
		...globalHelp,
		'      --version   the version',
		'',
		'In the TUI: 1-4 or tab switch views (panes, tasks, graph, log), ? lists every key, q quits.',
		'Files: .beads/tasks.jsonl (tasks), .beads/backups/ (last versions), .jetpack/config.json.',
		'Exit codes: 0 success, 1 problems found or tasks failed, 2 usage/config/store error, 3 no agent could run, 130 interrupted.',
		'',
	].join('\n');
}

/** The commands under a first word, such as the `task` subcommands. */
export function subcommandsOf(word: string): CommandSpec[] {
	return commands.filter((spec) => spec.words.length > 1 && spec.words[0] === word);
}

export function groupHelp(word: string, group: readonly CommandSpec[]): string {
	const width = Math.max(...group.map((spec) => (spec.words.at(-1) ?? '').length));
	const lines = group.map(
		(spec) => `  ${(spec.words.at(-1) ?? '').padEnd(width)}  ${spec.summary}`,
	);
	return [
		`Usage: jetpack-tui ${word} COMMAND`,
		'',
		...lines,
		'',
		`\`jetpack-tui ${word} COMMAND --help\` tells more.`,
		'',
	].join('\n');
}

/** Flags the user gave that this command does not take. */
export function checkFlags(spec: CommandSpec, given: readonly FlagName[]): void {
	const allowed = new Set<FlagName>([...spec.flags, ...globalFlags]);
	const wrong = given.find((flag) => !allowed.has(flag));
	if (wrong !== undefined) {
		throw new UsageError(
			`\`jetpack-tui ${spec.words.join(' ')}\` does not take --${kebab(wrong)}; see \`jetpack-tui ${spec.words.join(' ')} --help\`.`,
		);
	}
}

export function checkArgs(spec: CommandSpec, args: readonly string[]): void {
	const {min, max, name} = spec.args;
	if (args.length < min) {
		throw new UsageError(
			`\`jetpack-tui ${spec.words.join(' ')}\` needs ${name}: jetpack-tui ${spec.usage}`,
		);
	}

	if (args.length > max) {
		const extra = args[max] ?? '';
		const hint =
			max === 1 && (name === 'TITLE' || name === 'REQUEST')
				? ` (quote a ${name.toLowerCase()} with spaces)`
				: '';
		throw new UsageError(
			`Unexpected argument ${JSON.stringify(extra)}${hint}: jetpack-tui ${spec.usage}`,
		);
	}
}

export function kebab(flag: string): string {
	return flag.replaceAll(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
