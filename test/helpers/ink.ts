import type {Key} from 'ink';
/**
 * Helpers for ink-testing-library: frames without ANSI, and waiting for a frame to show something
 * (input handlers subscribe in effects, and renders are throttled, so a test polls).
 */
import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';
import stripAnsi from 'strip-ansi';
import {vi} from 'vitest';

export interface Rendered {
	lastFrame(): string | undefined;
	stdin: {write(data: string): void; listenerCount?(event: string): number};
	unmount(): void;
}

export function plain(rendered: Rendered): string {
	return stripAnsi(rendered.lastFrame() ?? '');
}

/** Waits until the plain frame passes `check` (a string it must contain, or a predicate). */
export async function frameWith(
	rendered: Rendered,
	check: string | RegExp | ((frame: string) => boolean),
	timeout = 10_000,
): Promise<string> {
	const test =
		typeof check === 'string'
			? (frame: string) => frame.includes(check)
			: check instanceof RegExp
				? (frame: string) => check.test(frame)
				: check;
	let frame = '';
	await vi.waitFor(
		() => {
			frame = plain(rendered);
			if (!test(frame)) throw new Error(`frame does not show ${String(check)}:\n${frame}`);
		},
		{timeout, interval: 10},
	);
	return frame;
}

/** Keys as a terminal sends them. */
export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	enter: '\r',
	esc: '\u001B',
	tab: '\t',
	backspace: '\u007F',
	ctrlC: '\u0003',
	ctrlB: '\u0002',
	ctrlBracket: '\u001D',
	pageDown: '\u001B[6~',
	pageUp: '\u001B[5~',
} as const;

/**
 * Waits until the app reads its input: Ink subscribes to stdin in an effect, which a loaded machine
 * can run well after the first frame is drawn.
 */
export async function inputReady(rendered: Rendered): Promise<void> {
	await vi.waitFor(
		() => {
			if ((rendered.stdin.listenerCount?.('readable') ?? 1) === 0)
				throw new Error('the app does not read its input yet');
		},
		{timeout: 10_000, interval: 5},
	);
}

/** Types `data` after the app's input effects have run. */
export async function press(rendered: Rendered, ...data: string[]): Promise<void> {
	await inputReady(rendered);
	for (const chunk of data) {
		await new Promise((resolve) => setTimeout(resolve, 20));
		rendered.stdin.write(chunk);
	}

	await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * `render` in a terminal `columns` wide: ink-testing-library's is always 100, and Ink lays out the
 * root at the terminal's width, so wider views would overflow it.
 */
export function renderAt(tree: ReactElement, columns: number): ReturnType<typeof render> {
	const rendered = render(tree);
	Object.defineProperty(rendered.stdout, 'columns', {get: () => columns});
	rendered.rerender(tree);
	// The app follows the terminal's size through its resize events.
	rendered.stdout.emit('resize');
	return rendered;
}

/** Ink's key flags with none set: a plain character. */
export const noKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};
