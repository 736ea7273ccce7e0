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

type Handler = (input: string, key: Key) => void;

interface Entry {
	handler: Handler;
	active: boolean;
}

/**
 * One subscription to Ink's input for the whole app, handing each key to every active handler.
 * Ink's own `useInput` subscribes in an effect, after the frame is on screen: a key typed just as a
 * view, a form or a question appears (or right after a handler is switched back on) would meet
 * nobody, or the previous render's closure. Handlers registered here are in place in the same
 * commit that draws them.
 */
class KeyRouter {
	readonly #entries = new Set<Entry>();

	add(entry: Entry): () => void {
		this.#entries.add(entry);
		return () => this.#entries.delete(entry);
	}

	dispatch(input: string, key: Key): void {
		for (const entry of [...this.#entries]) if (entry.active) entry.handler(input, key);
	}
}

const KeyRouterContext = createContext<KeyRouter | undefined>(undefined);

export function KeyRouterProvider({children}: {readonly children: ReactNode}) {
	const [router] = useState(() => new KeyRouter());
	useInput((input, key) => {
		router.dispatch(input, key);
	});
	return createElement(KeyRouterContext.Provider, {value: router}, children);
}

/**
 * `useInput` that always runs the latest render's handler and is in place from the commit that
 * draws its component. Outside a `KeyRouterProvider` (a component rendered alone in a test) it
 * falls back to Ink's `useInput`.
 */
export function useLatestInput(handler: Handler, isActive: boolean): void {
	const router = useContext(KeyRouterContext);
	const entry = useRef<Entry>({handler, active: isActive});
	useLayoutEffect(() => {
		entry.current.handler = handler;
		entry.current.active = isActive;
	});
	useLayoutEffect(() => router?.add(entry.current), [router]);
	const stable = useCallback((input: string, key: Key) => {
		entry.current.handler(input, key);
	}, []);
	useInput(stable, {isActive: router === undefined && isActive});
}
