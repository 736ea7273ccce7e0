import {useInput, type Key} from 'ink';
import {
	createContext,
	createElement,
	useCallback,
	useContext,
	useLayoutEffect,
	useRef,
	useState,
	type ReactNode,
} from 'react';

import {KeyRouter, keyPriority} from '../key-router.js';

type Handler = (input: string, key: Key) => void;
/** Says whether it took the key: one that did is not offered to lower handlers. */
type KeysHandler = (input: string, key: Key) => boolean;

interface Entry {
	handler: KeysHandler;
	active: boolean;
}

/**
 * One subscription to Ink's input for the whole app, handing each key to the handlers by priority
 * (see `KeyRouter`) until one takes it.
 * Ink's own `useInput` subscribes in an effect, after the frame is on screen: a key typed just as a
 * view, a form or a question appears (or right after a handler is switched back on) would meet
 * nobody, or the previous render's closure. Handlers registered here are in place in the same
 * commit that draws them.
 */
class KeyFeed {
	readonly #router = new KeyRouter<[string, Key]>();
	readonly #queue: Array<[string, Key]> = [];
	#typing = false;
	#timer: NodeJS.Timeout | undefined;

	add(entry: Entry, priority: number): () => void {
		return this.#router.register(
			([input, key]) => entry.active && entry.handler(input, key),
			priority,
		);
	}

	/**
	 * A text field or form has the keyboard: each key edits the text the one before it left, with or
	 * without a render between them, so a run of keys (a paste) need not wait a gap per key.
	 */
	setTyping(typing: boolean): void {
		this.#typing = typing;
	}

	dispatch(input: string, key: Key): void {
		this.#queue.push(...keypresses(input, key));
		if (this.#typing) {
			clearTimeout(this.#timer);
			this.#timer = undefined;
			while (this.#queue.length > 0) this.#deliver();
		} else if (this.#timer === undefined) {
			this.#next();
		}
	}

	/** One key at a time: `q` then `y` read together must find the question `q` opened. */
	#next(): void {
		this.#timer = undefined;
		if (this.#queue.length === 0) return;
		try {
			this.#deliver();
		} finally {
			// After the handlers, and after the render they cause: React may spread that render over
			// a few turns of the event loop, so the next key waits a little, as a fast typist would.
			if (this.#queue.length > 0)
				this.#timer = setTimeout(() => {
					this.#next();
				}, keyGapMs);
		}
	}

	#deliver(): void {
		const next = this.#queue.shift();
		if (next !== undefined) this.#router.dispatch(next);
	}
}

/**
 * Ink hands over a run of plain characters read at once (`qy` typed fast, type-ahead, a paste)
 * as one input, which no key binding matches: the router splits it into one key each, and so do
 * the text field and the form when they take Ink's input directly.
 */
export function keypresses(input: string, key: Key): Array<[string, Key]> {
	const chars = [...input];
	if (chars.length <= 1 || input.includes('\u001B')) return [[input, key]];
	const plain: Key = {
		...key,
		return: false,
		tab: false,
		backspace: false,
		delete: false,
		ctrl: false,
		shift: false,
		meta: false,
		escape: false,
	};
	return chars.map((char): [string, Key] => {
		if (char === '\r' || char === '\n') return ['', {...plain, return: true}];
		if (char === '\t') return ['', {...plain, tab: true}];
		if (char === '\u007F' || char === '\b') return ['', {...plain, backspace: true}];
		const code = char.codePointAt(0) ?? 0;
		// ctrl-a … ctrl-z, as Ink names them: the letter, with ctrl.
		if (code >= 1 && code <= 26) return [String.fromCodePoint(code + 96), {...plain, ctrl: true}];
		return [char, {...plain, shift: char !== char.toLowerCase()}];
	});
}

/** Between keys read together, so each finds the screen the one before it made. */
const keyGapMs = 30;

const KeyRouterContext = createContext<KeyFeed | undefined>(undefined);

/** The app's router, to say when a text field has the keyboard. */
export function useKeyRouter(): KeyFeed | undefined {
	return useContext(KeyRouterContext);
}

export function KeyRouterProvider({children}: {readonly children: ReactNode}) {
	const [router] = useState(() => new KeyFeed());
	useInput((input, key) => {
		router.dispatch(input, key);
	});
	return createElement(KeyRouterContext.Provider, {value: router}, children);
}

/**
 * Registers `handler` with the app's router at `priority` while `active`; it returns true for a key
 * it took, which then reaches nobody below it. The latest render's handler runs, and it is in place
 * from the commit that draws its component. Outside a `KeyRouterProvider` (a component rendered
 * alone in a test) it falls back to Ink's `useInput`.
 */
export function useKeys(
	handler: KeysHandler,
	{priority, active = true}: {readonly priority: number; readonly active?: boolean},
): void {
	const router = useContext(KeyRouterContext);
	const entry = useRef<Entry>({handler, active});
	useLayoutEffect(() => {
		entry.current.handler = handler;
		entry.current.active = active;
	});
	useLayoutEffect(() => router?.add(entry.current, priority), [router, priority]);
	const stable = useCallback((input: string, key: Key) => {
		entry.current.handler(input, key);
	}, []);
	useInput(stable, {isActive: router === undefined && active});
}

/** A view's keys: `useKeys` at view priority, leaving every key to the handlers below too. */
export function useLatestInput(handler: Handler, isActive: boolean): void {
	useKeys(
		(input, key) => {
			handler(input, key);
			return false;
		},
		{priority: keyPriority.view, active: isActive},
	);
}
