/** Colours and symbols, in one place so every view speaks the same language. */
import type {TaskStatus} from '../core/task.js';

export const statusStyle: Readonly<Record<TaskStatus, {symbol: string; color: string}>> = {
	pending: {symbol: '·', color: 'gray'},
	ready: {symbol: '○', color: 'cyan'},
	claimed: {symbol: '◐', color: 'blue'},
	in_progress: {symbol: '●', color: 'blue'},
	completed: {symbol: '✓', color: 'green'},
	failed: {symbol: '✗', color: 'red'},
	blocked: {symbol: '⊘', color: 'magenta'},
};

export const theme = {
	accent: 'cyan',
	focus: 'cyan',
	border: 'gray',
	warn: 'yellow',
	error: 'red',
	ok: 'green',
	muted: 'gray',
	critical: 'yellow',
} as const;
