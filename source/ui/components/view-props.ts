import type {RunControl, TaskBoard} from '../run-control.js';

export type FlashLevel = 'info' | 'warn' | 'error';

/** What every view is given by the app. */
export interface ViewProps {
	readonly run: RunControl;
	readonly board: TaskBoard;
	/** The view's box: inside the status bar and the key-hint line. */
	readonly width: number;
	readonly height: number;
	/**
	 * Keys reach this view (it is shown, and no overlay, form or attach is in the way). Views pass
	 * it to `useInput({isActive})` and resolve keys through `commandIn(view, keyName(…))`.
	 */
	readonly keysActive: boolean;
	/**
	 * A form or prompt inside the view has the keyboard: the app's global keys (`q`, `1`–`4`, `?`)
	 * stand aside until it is released, so typing "q" into a title does not quit.
	 */
	readonly setCaptured: (captured: boolean) => void;
	/** A one-line message in the hint line (what a key did, or why it could not). */
	readonly flash: (message: string, level?: FlashLevel) => void;
}
