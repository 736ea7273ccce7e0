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
	 * The view's keys are live (false while the app is stopping). A modal, form, text field or an
	 * attached pane in the way needs no flag: it takes its keys at a higher priority in the key
	 * router (`useKeys`), and they never reach the view. Views resolve keys through
	 * `commandIn(view, keyName(…))`.
	 */
	readonly keysActive: boolean;
	/**
	 * A form or prompt inside the view has the keyboard: keys read together then reach it at once,
	 * in order (the router's typing mode). Who gets a key is the router's business, not this flag.
	 */
	readonly setCaptured: (captured: boolean) => void;
	/** A one-line message in the hint line (what a key did, or why it could not). */
	readonly flash: (message: string, level?: FlashLevel) => void;
}
