import {useEffect, useState} from 'react';
import type {ScreenSource} from '../../core/agent-ports.js';

/**
 * How often the panes redraw at most. Each agent publishes its screen every ~60 ms; drawing each
 * publication on its own would cost one whole Ink frame (every pane, re-tokenised) per pane per
 * publication. One frame for all the panes that changed, ~12 times a second, leaves the CPU to
 * the keys: a key is drawn at once, between two of these frames.
 */
export const paneFrameMs = 80;

/**
 * A number that grows when any of `sources` (memoized by the caller) has a new screen, at most once per `paneFrameMs`: the
 * panes view re-renders on it and reads each source's current screen, so all the panes that
 * changed are drawn in one commit (unchanged ones skip: a screen is the same object until it changes).
 */
export function useScreenFrame(sources: ReadonlyMap<string, ScreenSource | undefined>): number {
	const [frame, setFrame] = useState(0);
	useEffect(() => {
		let timer: NodeJS.Timeout | undefined;
		const changed = () => {
			timer ??= setTimeout(() => {
				timer = undefined;
				setFrame((count) => count + 1);
			}, paneFrameMs);
		};

		const subscriptions = [...sources.values()].map((source) => source?.onScreen(changed));
		return () => {
			clearTimeout(timer);
			for (const subscription of subscriptions) subscription?.dispose();
		};
	}, [sources]);
	return frame;
}
