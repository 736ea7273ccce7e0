import {cleanup, render} from 'ink-testing-library';
import {useLayoutEffect, type ReactNode} from 'react';
import {afterEach, describe, expect, it} from 'vitest';
import {TaskForm, type FormField, type FormValues} from '../../source/ui/components/task-form.js';
import {KeyRouterProvider, useKeyRouter} from '../../source/ui/hooks/use-latest-input.js';
import {completeId} from '../../source/ui/task-table.js';
import {frameWith, inputReady, keys, press} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const ids = ['t-done', 't-fail', 't-fail2'];

const newTaskFields: FormField[] = [
	{kind: 'text', name: 'title', label: 'title', placeholder: 'what is to be done'},
	{
		kind: 'choice',
		name: 'priority',
		label: 'priority',
		choices: ['critical', 'high', 'medium', 'low'],
		initial: 'medium',
	},
	{
		kind: 'text',
		name: 'dependencies',
		label: 'depends on',
		complete: (value) => completeId(value, ids),
	},
];

const editFields: FormField[] = [
	{kind: 'text', name: 'title', label: 'title', initial: 'Login API'},
	{kind: 'text', name: 'description', label: 'description', initial: ''},
];

/** As the app says it while a form is open: keys read together are the form's at once. */
function Typing({children}: {readonly children: ReactNode}) {
	const router = useKeyRouter();
	useLayoutEffect(() => {
		router?.setTyping(true);
	}, [router]);
	return children;
}

/**
 * The form alone, or inside the app's key router; `submitted` gets every submit, and `answer`
 * decides how each one ends (resolved unless told).
 */
async function showForm(
	fields: readonly FormField[],
	{
		routed = false,
		answer = async () => undefined,
	}: {routed?: boolean; answer?: (values: FormValues) => Promise<void>} = {},
) {
	const submitted: FormValues[] = [];
	let cancelled = 0;
	const form = (
		<TaskForm
			title="The form"
			fields={fields}
			width={80}
			onSubmit={async (values) => {
				submitted.push(values);
				await answer(values);
			}}
			onCancel={() => {
				cancelled++;
			}}
		/>
	);
	const rendered = render(
		routed ? (
			<KeyRouterProvider>
				<Typing>{form}</Typing>
			</KeyRouterProvider>
		) : (
			form
		),
	);
	await frameWith(rendered, 'The form');
	await inputReady(rendered);
	return {rendered, submitted, cancelled: () => cancelled};
}

describe('TaskForm', () => {
	it.each([false, true])(
		'submits the text and the Enter read together (routed: %s)',
		async (routed) => {
			const {rendered, submitted} = await showForm(
				[{kind: 'text', name: 'reason', label: 'reason'}],
				{routed},
			);
			rendered.stdin.write('waiting on design' + keys.enter);
			await expect.poll(() => submitted).toEqual([{reason: 'waiting on design'}]);
		},
	);

	it.each([false, true])(
		'takes reads that come in one turn in order: text, tab, text, Enter (routed: %s)',
		async (routed) => {
			const {rendered, submitted} = await showForm(editFields, {routed});
			rendered.stdin.write(' v2');
			rendered.stdin.write(keys.tab);
			rendered.stdin.write('Rate');
			rendered.stdin.write(' limits');
			rendered.stdin.write(keys.enter);
			await expect
				.poll(() => submitted)
				.toEqual([{title: 'Login API v2', description: 'Rate limits'}]);
		},
	);

	it.each([false, true])(
		'types after a tab completion that has not been drawn yet, and chooses with keys read together (routed: %s)',
		async (routed) => {
			const {rendered, submitted} = await showForm(newTaskFields, {routed});
			rendered.stdin.write('Search');
			rendered.stdin.write(' page' + keys.tab);
			rendered.stdin.write(keys.left);
			rendered.stdin.write(keys.left);
			rendered.stdin.write(keys.tab + 't-do');
			rendered.stdin.write(keys.tab);
			rendered.stdin.write('t-fail2' + keys.enter);
			await expect
				.poll(() => submitted)
				.toEqual([{title: 'Search page', priority: 'critical', dependencies: 't-done, t-fail2'}]);
		},
	);

	it('moves the cursor and deletes before it; control characters of a paste are dropped', async () => {
		const {rendered, submitted} = await showForm(editFields);
		rendered.stdin.write(keys.left);
		rendered.stdin.write(keys.left);
		rendered.stdin.write(keys.backspace);
		rendered.stdin.write('\u0007x');
		rendered.stdin.write(keys.tab + keys.enter);
		await expect.poll(() => submitted).toEqual([{title: 'Login xPI', description: ''}]);
	});

	it('saves once: keys read while it saves are not taken; a refusal is shown and the form stays', async () => {
		let refuse: (error: Error) => void = () => undefined;
		const {rendered, submitted} = await showForm(
			[{kind: 'text', name: 'reason', label: 'reason'}],
			{
				answer: () =>
					new Promise<void>((_resolve, reject) => {
						refuse = reject;
					}),
			},
		);
		rendered.stdin.write('why' + keys.enter);
		rendered.stdin.write('!' + keys.enter);
		await frameWith(rendered, 'saving…');
		expect(submitted).toEqual([{reason: 'why'}]);
		refuse(new Error('The store said no.'));
		await frameWith(rendered, 'The store said no.');
		await press(rendered, ' not', keys.enter);
		await expect.poll(() => submitted).toEqual([{reason: 'why'}, {reason: 'why not'}]);
	});

	it('esc cancels without a submit', async () => {
		const {rendered, submitted, cancelled} = await showForm(editFields);
		await press(rendered, 'zzz', keys.esc);
		await expect.poll(cancelled).toBe(1);
		expect(submitted).toEqual([]);
	});
});

describe('TaskForm layout', () => {
	it.each([80, 120, 160])(
		'keeps each label whole beside a long value at %i columns',
		async (width) => {
			const long = 'Write the rate limiter for the login endpoint and its tests '.repeat(4);
			const rendered = render(
				<TaskForm
					title="Edit"
					fields={[
						{kind: 'text', name: 'title', label: 'title', initial: long},
						{kind: 'text', name: 'description', label: 'description', initial: long},
					]}
					width={width}
					onSubmit={async () => undefined}
					onCancel={() => undefined}
				/>,
			);
			await frameWith(rendered, 'Edit');
			await press(rendered, keys.tab);
			const frame = await frameWith(rendered, '› descriptio');
			// Values start in one column, after the longest label and a space.
			expect(frame).toMatch(/│ {3}title {7}Write/);
			expect(frame).toMatch(/│ › description Write/);
		},
	);
});
