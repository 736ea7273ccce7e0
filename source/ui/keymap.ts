/**
 * Every key of the TUI in one table: the help overlay is drawn from it and every handler resolves
 * through it. Priority: a modal (form, prompt, overlay) has the keyboard first, then attach mode,
 * then the shown view's bindings, then the global ones. A view binding may reuse a global key
 * (`x`, `enter`); a view key never shadows `1`–`4`, `tab`, `?`, `q` or ctrl-c, except in the diff
 * of a task (`diff`, inside the tasks view), where `q` goes back as it does in a pager.
 */
import type {Key} from 'ink';
import {textWidth} from './text-width.js';

export const views = ['panes', 'tasks', 'graph', 'log'] as const;
export type View = (typeof views)[number];
/** `diff`: the diff of a task's work, opened from the tasks view. */
export type Scope = 'global' | View | 'diff';

export type CommandId =
	| 'view.panes'
	| 'view.tasks'
	| 'view.graph'
	| 'view.log'
	| 'view.next'
	| 'help'
	| 'plan'
	| 'quit'
	| 'pane.left'
	| 'pane.down'
	| 'pane.up'
	| 'pane.right'
	| 'pane.zoom'
	| 'pane.attach'
	| 'pane.recycle'
	| 'agents.add'
	| 'agents.remove'
	| 'list.down'
	| 'list.up'
	| 'list.pageDown'
	| 'list.pageUp'
	| 'list.top'
	| 'list.bottom'
	| 'list.filter'
	| 'list.clear'
	| 'task.sort'
	| 'task.details'
	| 'task.retry'
	| 'task.retryAll'
	| 'task.priority'
	| 'task.block'
	| 'task.edit'
	| 'task.new'
	| 'task.done'
	| 'task.stop'
	| 'diff.nextFile'
	| 'diff.previousFile'
	| 'diff.details'
	| 'diff.close'
	| 'review.accept'
	| 'review.reject'
	| 'graph.left'
	| 'graph.right'
	| 'graph.center'
	| 'graph.critical'
	| 'log.level';

export interface Binding {
	readonly keys: readonly string[];
	readonly command: CommandId;
	readonly scope: Scope;
	readonly help: string;
}

export const bindings: readonly Binding[] = [
	{keys: ['1'], command: 'view.panes', scope: 'global', help: 'agent panes'},
	{keys: ['2'], command: 'view.tasks', scope: 'global', help: 'tasks'},
	{keys: ['3'], command: 'view.graph', scope: 'global', help: 'dependency graph'},
	{keys: ['4'], command: 'view.log', scope: 'global', help: 'event log'},
	{keys: ['tab'], command: 'view.next', scope: 'global', help: 'next view'},
	{keys: ['?'], command: 'help', scope: 'global', help: 'this help'},
	{
		keys: ['P'],
		command: 'plan',
		scope: 'global',
		help: 'plan: an agent breaks a request into tasks',
	},
	{keys: ['q', 'ctrl-c'], command: 'quit', scope: 'global', help: 'quit (asks while agents run)'},

	{keys: ['left', 'h'], command: 'pane.left', scope: 'panes', help: 'focus the pane to the left'},
	{keys: ['down', 'j'], command: 'pane.down', scope: 'panes', help: 'focus the pane below'},
	{keys: ['up', 'k'], command: 'pane.up', scope: 'panes', help: 'focus the pane above'},
	{
		keys: ['right', 'l'],
		command: 'pane.right',
		scope: 'panes',
		help: 'focus the pane to the right',
	},
	{keys: ['enter', 'z'], command: 'pane.zoom', scope: 'panes', help: 'zoom the pane / back'},
	{
		keys: ['a'],
		command: 'pane.attach',
		scope: 'panes',
		help: 'attach: keys go to the agent until ctrl-b d or ctrl-]',
	},
	{keys: ['x'], command: 'pane.recycle', scope: 'panes', help: 'recycle the agent (asks)'},
	{keys: ['+', '='], command: 'agents.add', scope: 'panes', help: 'one more agent'},
	{keys: ['-'], command: 'agents.remove', scope: 'panes', help: 'one agent fewer'},

	{keys: ['down', 'j'], command: 'list.down', scope: 'tasks', help: 'next task'},
	{keys: ['up', 'k'], command: 'list.up', scope: 'tasks', help: 'previous task'},
	{keys: ['pagedown', 'ctrl-d'], command: 'list.pageDown', scope: 'tasks', help: 'page down'},
	{keys: ['pageup', 'ctrl-u'], command: 'list.pageUp', scope: 'tasks', help: 'page up'},
	{keys: ['g', 'home'], command: 'list.top', scope: 'tasks', help: 'first task'},
	{keys: ['G', 'end'], command: 'list.bottom', scope: 'tasks', help: 'last task'},
	{
		keys: ['/'],
		command: 'list.filter',
		scope: 'tasks',
		help: 'filter: text, status:failed, tag:api, agent:name',
	},
	{keys: ['esc'], command: 'list.clear', scope: 'tasks', help: 'clear the filter / close'},
	{
		keys: ['s'],
		command: 'task.sort',
		scope: 'tasks',
		help: 'sort: status, priority, critical path, age, cost',
	},
	{
		keys: ['enter'],
		command: 'task.details',
		scope: 'tasks',
		help: 'details, or the diff of its work',
	},
	{keys: ['r'], command: 'task.retry', scope: 'tasks', help: 'retry the failed task'},
	{keys: ['R'], command: 'task.retryAll', scope: 'tasks', help: 'retry every failed task (asks)'},
	{keys: ['p'], command: 'task.priority', scope: 'tasks', help: 'cycle the priority'},
	{keys: ['b'], command: 'task.block', scope: 'tasks', help: 'block with a reason / unblock'},
	{keys: ['e'], command: 'task.edit', scope: 'tasks', help: 'edit title and description'},
	{keys: ['n'], command: 'task.new', scope: 'tasks', help: 'new task'},
	{keys: ['d'], command: 'task.done', scope: 'tasks', help: 'mark done (asks)'},
	{keys: ['x'], command: 'task.stop', scope: 'tasks', help: 'stop the agent working on it'},

	{keys: ['down', 'j'], command: 'list.down', scope: 'diff', help: 'scroll down'},
	{keys: ['up', 'k'], command: 'list.up', scope: 'diff', help: 'scroll up'},
	{keys: ['pagedown', 'ctrl-d'], command: 'list.pageDown', scope: 'diff', help: 'page down'},
	{keys: ['pageup', 'ctrl-u'], command: 'list.pageUp', scope: 'diff', help: 'page up'},
	{keys: ['g', 'home'], command: 'list.top', scope: 'diff', help: 'top'},
	{keys: ['G', 'end'], command: 'list.bottom', scope: 'diff', help: 'bottom'},
	{keys: ['n'], command: 'diff.nextFile', scope: 'diff', help: 'next file'},
	{keys: ['p'], command: 'diff.previousFile', scope: 'diff', help: 'previous file'},
	{
		keys: ['A'],
		command: 'review.accept',
		scope: 'diff',
		help: 'accept: merge the work (asks)',
	},
	{
		keys: ['X'],
		command: 'review.reject',
		scope: 'diff',
		help: 'reject: requeue with a reason',
	},
	{keys: ['enter'], command: 'diff.details', scope: 'diff', help: 'details of the task'},
	{keys: ['esc', 'q'], command: 'diff.close', scope: 'diff', help: 'back to the tasks'},

	{keys: ['down', 'j'], command: 'list.down', scope: 'graph', help: 'next task in the layer'},
	{keys: ['up', 'k'], command: 'list.up', scope: 'graph', help: 'previous task in the layer'},
	{keys: ['pagedown', 'ctrl-d'], command: 'list.pageDown', scope: 'graph', help: 'page down'},
	{keys: ['pageup', 'ctrl-u'], command: 'list.pageUp', scope: 'graph', help: 'page up'},
	{keys: ['g', 'home'], command: 'list.top', scope: 'graph', help: 'first task of the layer'},
	{keys: ['G', 'end'], command: 'list.bottom', scope: 'graph', help: 'last task of the layer'},
	{keys: ['left', 'h'], command: 'graph.left', scope: 'graph', help: 'layer before'},
	{keys: ['right', 'l'], command: 'graph.right', scope: 'graph', help: 'layer after'},
	{keys: ['enter'], command: 'graph.center', scope: 'graph', help: 're-centre on the selection'},
	{keys: ['c'], command: 'graph.critical', scope: 'graph', help: 'jump along the critical path'},

	{keys: ['down', 'j'], command: 'list.down', scope: 'log', help: 'scroll down'},
	{keys: ['up', 'k'], command: 'list.up', scope: 'log', help: 'scroll up'},
	{keys: ['pagedown', 'ctrl-d'], command: 'list.pageDown', scope: 'log', help: 'page down'},
	{keys: ['pageup', 'ctrl-u'], command: 'list.pageUp', scope: 'log', help: 'page up'},
	{keys: ['G', 'end'], command: 'list.bottom', scope: 'log', help: 'follow the newest'},
	{keys: ['g', 'home'], command: 'list.top', scope: 'log', help: 'oldest kept'},
	{keys: ['f'], command: 'log.level', scope: 'log', help: 'level: all, warnings, errors'},
	{keys: ['/'], command: 'list.filter', scope: 'log', help: 'filter by task, agent or text'},
	{keys: ['esc'], command: 'list.clear', scope: 'log', help: 'clear the filter'},
];

/** Attach mode's way out; everything else goes to the agent. */
export const detachKeys = {ctrlB: '\u0002', d: 'd', ctrlBracket: '\u001D'} as const;

/** A name for what Ink parsed: `q`, `R`, `enter`, `up`, `ctrl-c`, `shift-tab`. */
export function keyName(input: string, key: Key): string {
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.leftArrow) return 'left';
	if (key.rightArrow) return 'right';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.home) return 'home';
	if (key.end) return 'end';
	if (key.return) return 'enter';
	if (key.escape) return 'esc';
	if (key.tab) return key.shift ? 'shift-tab' : 'tab';
	if (key.backspace || key.delete) return 'backspace';
	if (key.ctrl && input.length === 1) return `ctrl-${input.toLowerCase()}`;
	return input;
}

/** What `name` does in `view`: the view's own binding first, then the global one. */
export function resolve(name: string, view: View): Binding | undefined {
	return (
		bindings.find((binding) => binding.scope === view && binding.keys.includes(name)) ??
		bindings.find((binding) => binding.scope === 'global' && binding.keys.includes(name))
	);
}

/** The command `name` runs in `scope` only (for a view's own `useInput`). */
export function commandIn(scope: Scope, name: string): CommandId | undefined {
	return bindings.find((binding) => binding.scope === scope && binding.keys.includes(name))
		?.command;
}

/** What each view's hint line offers, most useful first: the last are dropped first when narrow. */
function viewHints(view: View, zoomed: boolean, diff: boolean): readonly string[] {
	if (view === 'tasks' && diff)
		return ['j/k scroll', 'n/p file', 'A accept', 'X reject', 'esc back', 'enter details'];
	switch (view) {
		case 'panes': {
			return zoomed
				? ['enter/z unzoom', 'a attach', 'x recycle', 'hjkl/arrows focus', '+/- agents']
				: ['hjkl/arrows focus', 'enter zoom', 'a attach', 'x recycle', '+/- agents'];
		}

		case 'tasks': {
			return [
				'j/k move',
				'enter details',
				'r retry',
				'/ filter',
				'e edit',
				'n new',
				'b block',
				'p priority',
				'd done',
				's sort',
			];
		}

		case 'graph': {
			return ['j/k move', 'h/l layer', 'enter re-centre', 'c critical path'];
		}

		case 'log': {
			return ['j/k scroll', 'f level', '/ filter', 'G follow'];
		}
	}
}

/** The end of every hint line: the two keys a newcomer needs whatever else is cut. */
export const hintTail = '? help · q quit';

/**
 * The key hints of `view` in `width` columns: always ending with `? help · q quit` (once), "run
 * over" first when the run has ended, and the view's less useful hints dropped until it fits.
 */
export function hintLine(
	view: View,
	width: number,
	{
		finished = false,
		zoomed = false,
		diff = false,
	}: {
		readonly finished?: boolean;
		readonly zoomed?: boolean;
		/** The tasks view shows the diff of a task. */
		readonly diff?: boolean;
	} = {},
): string {
	const hints = [...(finished ? ['run over'] : []), ...viewHints(view, zoomed, diff)];
	const line = () => [...hints, hintTail].join(' · ');
	while (hints.length > 0 && textWidth(line()) > width) hints.pop();
	return line();
}
