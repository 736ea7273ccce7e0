/** Colours and symbols, in one place so every view speaks the same language. */
import {statusLook} from '../text/format.js';
import type {TaskStatus} from '../core/task.js';

/** The CLI's status symbols and colours (`task list`, `deps`), in Ink's colour names. */
export const statusStyle = Object.fromEntries(
	Object.entries(statusLook).map(([status, look]) => [
		status,
		{symbol: look.symbol, color: look.style === 'dim' ? 'gray' : look.style},
	]),
) as Readonly<Record<TaskStatus, {symbol: string; color: string}>>;

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
