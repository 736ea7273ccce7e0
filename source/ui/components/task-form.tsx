/**
 * A small form with the keyboard: text fields and choice fields, moved between with tab /
 * shift-tab / up / down, submitted by enter on the last field, cancelled by esc. What the submit
 * rejects is shown inside the form; nothing here throws past it.
 *
 * One handler takes every key and works on the form as the keys so far left it, not as last drawn:
 * a paste or a fast typist hands over text, tab, more text and enter before any redraw, and each key
 * must find the field, the text and the cursor the one before it made (a text field of its own per
 * field could not see the tab or the completion that came just before its key).
 */
import {Box, Text, type Key} from 'ink';
import {useRef, useState} from 'react';
import {keypresses, useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';
import {keyName} from '../keymap.js';
import type {Completion} from '../task-table.js';
import {theme} from '../theme.js';
import {editText, TextLine} from './text-field.js';

export type FormField =
	| {
			readonly kind: 'text';
			readonly name: string;
			readonly label: string;
			readonly initial?: string;
			readonly placeholder?: string;
			/** Tab completes the value when this changes it; otherwise tab moves on. */
			readonly complete?: (value: string) => Completion;
	  }
	| {
			readonly kind: 'choice';
			readonly name: string;
			readonly label: string;
			readonly choices: readonly string[];
			readonly initial?: string;
	  };

export type FormValues = Readonly<Record<string, string>>;

export interface TaskFormProps {
	readonly title: string;
	readonly fields: readonly FormField[];
	readonly width: number;
	/** Resolves when done; a rejection's message is shown in the form and the form stays open. */
	readonly onSubmit: (values: FormValues) => Promise<void>;
	readonly onCancel: () => void;
}

function initialValues(fields: readonly FormField[]): Record<string, string> {
	const values: Record<string, string> = {};
	for (const field of fields)
		values[field.name] = field.initial ?? (field.kind === 'choice' ? (field.choices[0] ?? '') : '');
	return values;
}

interface FormState {
	readonly values: Readonly<Record<string, string>>;
	readonly focus: number;
	/** Where the next character goes in the focused field (a text field). */
	readonly cursor: number;
	readonly saving: boolean;
	/** Esc was pressed: keys read after it are not the form's. */
	readonly cancelled: boolean;
}

export function TaskForm({title, fields, width, onSubmit, onCancel}: TaskFormProps) {
	const [shown, setShown] = useState<FormState>(() => {
		const values = initialValues(fields);
		const first = fields[0]?.name ?? '';
		return {values, focus: 0, cursor: values[first]?.length ?? 0, saving: false, cancelled: false};
	});
	// The form as the keys so far left it; the render that shows it may not have happened yet.
	const latest = useRef(shown);
	const [message, setMessage] = useState<string | undefined>();
	const [hint, setHint] = useState<string | undefined>();

	const update = (change: Partial<FormState>): FormState => {
		const next = {...latest.current, ...change};
		latest.current = next;
		setShown(next);
		return next;
	};

	const setValue = (name: string, value: string, cursor: number) => {
		const state = latest.current;
		if (state.values[name] !== value) setMessage(undefined);
		update({values: {...state.values, [name]: value}, cursor});
	};

	const move = (step: number) => {
		const state = latest.current;
		const focus = (state.focus + step + fields.length) % fields.length;
		setHint(undefined);
		update({focus, cursor: state.values[fields[focus]?.name ?? '']?.length ?? 0});
	};

	const submit = () => {
		const {values} = update({saving: true});
		setMessage(undefined);
		onSubmit(values).then(
			() => {
				update({saving: false});
			},
			(error: unknown) => {
				update({saving: false});
				setMessage(error instanceof Error ? error.message : String(error));
			},
		);
	};

	const complete = (field: FormField & {kind: 'text'}, value: string): boolean => {
		if (field.complete === undefined) return false;
		const completion = field.complete(value);
		if (completion.count > 1) {
			const more = completion.count - completion.candidates.length;
			setHint(completion.candidates.join('  ') + (more > 0 ? `  … ${more} more` : ''));
		} else if (completion.count === 0 && /[^\s,]$/.test(value))
			setHint('no task id starts like that');
		else setHint(undefined);
		if (completion.value !== value) {
			setValue(field.name, completion.value, completion.value.length);
			return true;
		}

		return completion.count > 0;
	};

	const onKey = (input: string, key: Key) => {
		const state = latest.current;
		const field = fields[state.focus];
		if (field === undefined || state.saving || state.cancelled) return;
		const value = state.values[field.name] ?? '';
		switch (keyName(input, key)) {
			case 'esc': {
				update({cancelled: true});
				onCancel();
				return;
			}

			case 'tab': {
				if (field.kind === 'text' && complete(field, value)) return;
				move(1);
				return;
			}

			case 'shift-tab':
			case 'up': {
				move(-1);
				return;
			}

			case 'down': {
				move(1);
				return;
			}

			case 'enter': {
				if (state.focus === fields.length - 1) submit();
				else move(1);
				return;
			}

			default: {
				break;
			}
		}

		if (field.kind === 'text') {
			const next = editText({value, cursor: state.cursor}, input, key);
			if (next !== undefined) setValue(field.name, next.value, next.cursor);
			return;
		}

		const current = field.choices.indexOf(value);
		const count = field.choices.length;
		if (key.leftArrow || key.rightArrow) {
			const next = (current + (key.leftArrow ? -1 : 1) + count) % count;
			setValue(field.name, field.choices[next] ?? '', 0);
			return;
		}

		const typed = input.toLowerCase();
		const chosen = /^\d$/.test(typed)
			? field.choices[Math.min(Number(typed), count - 1)]
			: field.choices.find((choice) => typed !== '' && choice.startsWith(typed));
		if (chosen !== undefined) setValue(field.name, chosen, 0);
	};

	// Always listening: whether a key is the form's depends on what the keys before it did.
	useKeys(
		(input, key) => {
			// Outside the app's router (the form alone in a test) a run of keys comes as one input.
			for (const [char, charKey] of keypresses(input, key)) onKey(char, charKey);
			return true;
		},
		{priority: keyPriority.modal},
	);

	const labelWidth = Math.max(...fields.map((f) => f.label.length)) + 1;
	const inner = Math.max(10, Math.min(width, 100) - 4);
	return (
		<Box
			flexDirection="column"
			width={Math.min(width, 100)}
			borderStyle="round"
			borderColor={theme.accent}
			paddingX={1}
		>
			<Text bold wrap="truncate-end">
				{title}
			</Text>
			{fields.map((f, index) => {
				const focused = index === shown.focus;
				const value = shown.values[f.name] ?? '';
				return (
					<Box key={f.name} width={inner}>
						{/* Its own column: a long value wraps beside the label instead of squeezing it. */}
						<Box width={labelWidth + 2} flexShrink={0}>
							<Text color={focused ? theme.focus : theme.muted}>
								{focused ? '›' : ' '} {f.label}
							</Text>
						</Box>
						{f.kind === 'choice' ? (
							<Text>
								<Text color={theme.muted}>‹ </Text>
								<Text inverse={focused}>{value}</Text>
								<Text color={theme.muted}> ›</Text>
							</Text>
						) : (
							<Box flexGrow={1} overflow="hidden">
								<TextLine
									edit={{value, cursor: focused ? shown.cursor : value.length}}
									placeholder={f.placeholder}
									focus={focused && !shown.saving}
								/>
							</Box>
						)}
					</Box>
				);
			})}
			{hint === undefined ? undefined : (
				<Text color={theme.muted} wrap="truncate-end">
					{hint}
				</Text>
			)}
			{message === undefined ? undefined : (
				<Text color={theme.error} wrap="wrap">
					{message}
				</Text>
			)}
			<Text color={theme.muted} wrap="truncate-end">
				{shown.saving
					? 'saving…'
					: 'tab/↑↓ field · enter next/save · esc cancel' +
						(fields.some((f) => f.kind === 'choice') ? ' · ←→ choose' : '') +
						(fields.some((f) => f.kind === 'text' && f.complete !== undefined)
							? ' · tab completes ids'
							: '')}
			</Text>
		</Box>
	);
}
