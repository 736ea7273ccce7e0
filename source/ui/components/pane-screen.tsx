/**
 * An agent's screen inside its pane. On a terminal the app draws on, the pane canvas paints it
 * (pane-canvas.ts) and Ink only keeps the hole; without a canvas (a test renderer, which records
 * Ink's frames) Ink draws it, line by line, as `ScreenView`.
 */
import {Box, type DOMElement} from 'ink';
import {createContext, useContext, useLayoutEffect, useRef} from 'react';
import {blankScreen, type Screen, type ScreenSource} from '../../core/agent-ports.js';
import type {PaneCanvas} from '../pane-canvas.js';
import {ScreenView} from './screen-view.js';

export const CanvasContext = createContext<PaneCanvas | undefined>(undefined);

export function useCanvas(): PaneCanvas | undefined {
	return useContext(CanvasContext);
}

export interface PaneScreenProps {
	/** The pane's name on the canvas (one screen per pane). */
	readonly id: string;
	readonly source: ScreenSource | undefined;
	readonly cols: number;
	readonly rows: number;
	/** Drawn faded, its last lines with content: the screen of an attempt that is over. */
	readonly dim?: boolean;
}

function lastContentLine(screen: Screen): number {
	for (let y = screen.lines.length - 1; y >= 0; y--)
		if ((screen.lines[y]?.length ?? 0) > 0) return y;
	return -1;
}

export function PaneScreen({id, source, cols, rows, dim = false}: PaneScreenProps) {
	const canvas = useCanvas();
	const hole = useRef<DOMElement>(null);
	useLayoutEffect(() => {
		const node = hole.current;
		if (canvas === undefined || node === null) return;
		canvas.place(id, {source, node, cols, rows, fit: dim ? 'content' : 'cursor', dim});
	});
	useLayoutEffect(() => {
		if (canvas === undefined) return;
		return () => {
			canvas.remove(id);
		};
	}, [canvas, id]);
	if (canvas !== undefined) return <Box ref={hole} width={cols} height={rows} />;
	const screen = source?.screen() ?? blankScreen;
	const top = dim
		? Math.max(0, lastContentLine(screen) + 1 - rows)
		: // A screen taller than the pane (its resize has not landed yet) shows the cursor's part.
			Math.max(0, Math.min(screen.cursor.y + 1, screen.lines.length) - rows);
	return <ScreenView dim={dim} screen={screen} cols={cols} rows={rows} top={top} />;
}
