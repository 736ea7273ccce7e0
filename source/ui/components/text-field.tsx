/**
 * A one-line text field whose keys come through the app's key router, in order with every other
 * key. ink-text-input reads the value from its last render and subscribes to Ink's input in an
 * effect: a key read before the view redrew (keys read together, a busy machine) met the old text,
 * so `task:` then `bd-a` gave `bd-a`, and an Enter right after the text submitted what was there
 * before it. Here each key edits the text the previous key left, whether or not a render came
 * between them. A form with several fields edits its own text with `editText` and draws it with
 * `TextLine`, so that one handler sees every key in order (see task-form.tsx).
 */
import {Text, type Key} from 'ink';
import {useLayoutEffect, useRef, useState} from 'react';
import {keypresses, useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';
import {theme} from '../theme.js';

export interface TextFieldProps {
	readonly value: string;
	readonly onChange: (value: string) => void;
	readonly onSubmit: (value: string) => void;
	readonly placeholder?: string;
	readonly focus?: boolean;
}

export interface Edit {
	readonly value: string;
	/** Where the next character goes: 0 to value.length. */
	readonly cursor: number;
}

/** Typed or pasted text keeps only what can stand on one line: no control characters. */
const control = /\p{Cc}/gu;

/** The field after one key; undefined when the key is not the field's (arrows up and down, tab…). */
export function editText(edit: Edit, input: string, key: Key): Edit | undefined {
	const {value, cursor} = edit;
	if (key.upArrow || key.downArrow || key.tab || key.escape || key.ctrl || key.meta)
		return undefined;
	if (key.leftArrow) return {value, cursor: Math.max(0, cursor - 1)};
	if (key.rightArrow) return {value, cursor: Math.min(value.length, cursor + 1)};
	if (key.home) return {value, cursor: 0};
	if (key.end) return {value, cursor: value.length};
	// Terminals send DEL for the backspace key; Ink has named it either way.
	if (key.backspace || key.delete) {
		if (cursor === 0) return edit;
		return {value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1};
	}

	const text = input.replaceAll(control, '');
	if (text === '') return undefined;
	return {
		value: value.slice(0, cursor) + text + value.slice(cursor),
		cursor: cursor + text.length,
	};
}

/**
 * How a field is drawn: with the keyboard, the text with the cursor on it (the placeholder's first
 * letter when empty); without, the text, or the placeholder dimmed.
 */
export function TextLine({
	edit,
	placeholder = '',
	focus = true,
}: {
	readonly edit: Edit;
	readonly placeholder?: string;
	readonly focus?: boolean;
}) {
	if (edit.value === '') {
		if (!focus) return <Text color={theme.muted}>{placeholder}</Text>;
		return (
			<Text>
				<Text inverse>{placeholder.slice(0, 1) || ' '}</Text>
				<Text color={theme.muted}>{placeholder.slice(1)}</Text>
			</Text>
		);
	}

	if (!focus) return <Text>{edit.value}</Text>;
	const before = edit.value.slice(0, edit.cursor);
	const at = edit.value.slice(edit.cursor, edit.cursor + 1);
	const after = edit.value.slice(edit.cursor + 1);
	return (
		<Text>
			{before}
			<Text inverse>{at === '' ? ' ' : at}</Text>
			{after}
		</Text>
	);
}

export function TextField({
	value,
	onChange,
	onSubmit,
	placeholder = '',
	focus = true,
}: TextFieldProps) {
	// The text as the keys so far left it; the render that shows it may not have happened yet.
	const latest = useRef<Edit>({value, cursor: value.length});
	const [shown, setShown] = useState<Edit>(latest.current);
	const lastProp = useRef(value);
	// A value the owner sets (not the echo of our own onChange) replaces the text.
	useLayoutEffect(() => {
		if (value === lastProp.current) return;
		lastProp.current = value;
		if (value === latest.current.value) return;
		latest.current = {value, cursor: value.length};
		setShown(latest.current);
	}, [value]);

	useKeys(
		(input, key) => {
			// Outside the router (a component alone in a test) a run of keys comes as one input.
			for (const [char, charKey] of keypresses(input, key)) {
				if (charKey.return) {
					onSubmit(latest.current.value);
					continue;
				}

				const next = editText(latest.current, char, charKey);
				if (next === undefined) continue;
				const changed = next.value !== latest.current.value;
				latest.current = next;
				setShown(next);
				if (changed) {
					lastProp.current = next.value;
					onChange(next.value);
				}
			}

			// Every key but escape is text; escape is for whoever owns the field (to close it).
			return !key.escape;
		},
		{priority: keyPriority.textField, active: focus},
	);

	return <TextLine edit={shown} placeholder={placeholder} focus={focus} />;
}
