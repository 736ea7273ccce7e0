import {useInput, type Key} from 'ink';
import {useCallback, useLayoutEffect, useRef} from 'react';

/**
 * `useInput` that always runs the latest render's handler and subscribes once. Ink resubscribes
 * whenever the handler changes, in an effect: a key arriving between a render and that effect
 * meets the previous render's closure (a stale selection, a form not yet open), which fast typing
 * and pasting do.
 */
export function useLatestInput(
	handler: (input: string, key: Key) => void,
	isActive: boolean,
): void {
	const latest = useRef(handler);
	useLayoutEffect(() => {
		latest.current = handler;
	});
	const stable = useCallback((input: string, key: Key) => {
		latest.current(input, key);
	}, []);
	useInput(stable, {isActive});
}
