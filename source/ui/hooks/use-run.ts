import {useEffect, useState, useSyncExternalStore} from 'react';
import type {Snapshot} from '../../core/orchestrator.js';
import type {BoardState, RunControl, TaskBoard} from '../run-control.js';

/** The orchestrator's snapshot; a new object only when something changed. */
export function useSnapshot(run: RunControl): Snapshot {
	return useSyncExternalStore(
		(listener) => run.subscribe(listener),
		() => run.getSnapshot(),
	);
}

/** The task file as last read. */
export function useBoard(board: TaskBoard): BoardState {
	return useSyncExternalStore(
		(listener) => board.subscribe(listener),
		() => board.getSnapshot(),
	);
}

/** The time, to the second, for elapsed clocks; ticks only while `live`. */
export function useNow(live = true, everyMs = 1000): number {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		if (!live) return;
		const timer = setInterval(() => {
			setNow(Date.now());
		}, everyMs);
		return () => {
			clearInterval(timer);
		};
	}, [live, everyMs]);
	return now;
}
