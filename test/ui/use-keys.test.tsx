import {cleanup, render} from 'ink-testing-library';
import {Text} from 'ink';
import {useState} from 'react';
import {afterEach, describe, expect, it} from 'vitest';
import {KeyRouterProvider, useKeys} from '../../source/ui/hooks/use-latest-input.js';
import {keyPriority} from '../../source/ui/key-router.js';
import {frameWith, inputReady} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

/** Takes every key while shown; `y` closes it. */
function Question({log, onClose}: {readonly log: string[]; readonly onClose: () => void}) {
	useKeys(
		(input) => {
			log.push(`question:${input}`);
			if (input === 'y') onClose();
			return true;
		},
		{priority: keyPriority.modal},
	);
	return <Text>question</Text>;
}

/** A view under the question, and the app's keys under the view: `g` is the app's. */
function Screen({log}: {readonly log: string[]}) {
	const [asking, setAsking] = useState(true);
	useKeys(
		(input) => {
			log.push(`app:${input}`);
			return true;
		},
		{priority: keyPriority.global},
	);
	useKeys(
		(input) => {
			log.push(`view:${input}`);
			return input !== 'g';
		},
		{priority: keyPriority.view},
	);
	return asking ? (
		<Question
			log={log}
			onClose={() => {
				setAsking(false);
			}}
		/>
	) : (
		<Text>view</Text>
	);
}

describe('useKeys', () => {
	it('a question shown over the view takes every key, and once it goes the view and then the app get theirs, in the order typed', async () => {
		const log: string[] = [];
		const rendered = render(
			<KeyRouterProvider>
				<Screen log={log} />
			</KeyRouterProvider>,
		);
		await frameWith(rendered, 'question');
		await inputReady(rendered);
		// One read: the question must see `a` and `y`, and what follows must find it gone.
		rendered.stdin.write('ayjg');
		await expect.poll(() => log).toEqual(['question:a', 'question:y', 'view:j', 'view:g', 'app:g']);
		await frameWith(rendered, 'view');
	});
});
