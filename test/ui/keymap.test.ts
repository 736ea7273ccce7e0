import {describe, expect, it} from 'vitest';
import {hintLine, views} from '../../source/ui/keymap.js';

describe('hintLine', () => {
	it.each(views.flatMap((view) => [20, 49, 89, 129].map((width) => [view, width] as const)))(
		'%s at %i columns ends with "? help · q quit" and fits',
		(view, width) => {
			for (const finished of [false, true]) {
				const line = hintLine(view, width, {finished});
				expect(line.endsWith('? help · q quit')).toBe(true);
				expect(line.match(/q quit/g)).toHaveLength(1);
				if (width >= 15) expect(line.length).toBeLessThanOrEqual(width);
			}
		},
	);

	it('says the run is over once, before the view hints, and drops view hints first', () => {
		expect(hintLine('tasks', 200, {finished: true})).toMatch(
			/^run over · j\/k move · .* · \? help · q quit$/,
		);
		expect(hintLine('tasks', 30, {finished: true})).toBe('run over · ? help · q quit');
		expect(hintLine('tasks', 45)).toBe('j/k move · enter details · ? help · q quit');
	});

	it('offers unzoom, not zoom, on a zoomed pane', () => {
		expect(hintLine('panes', 200)).toContain('enter zoom');
		const zoomed = hintLine('panes', 200, {zoomed: true});
		expect(zoomed).toContain('enter/z unzoom');
		expect(zoomed).not.toContain('enter zoom');
	});
});
