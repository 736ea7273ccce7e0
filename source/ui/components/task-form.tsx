/**
 * A small form with the keyboard: text fields (ink-text-input) and choice fields, moved between
 * with tab / shift-tab / up / down, submitted by enter on the last field, cancelled by esc. What
 * the submit rejects is shown inside the form; nothing here throws past it.
 */
import {Box, Text} from 'ink';
import TextInput from 'ink-text-input';
import {useState} from 'react';
import {useLatestInput} from '../hooks/use-latest-input.js';
import {keyName} from '../keymap.js';
import type {Completion} from '../task-table.js';
import {theme} from '../theme.js';

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

export function TaskForm({title, fields, width, onSubmit, onCancel}: TaskFormProps) {
	const [values, setValues] = useState(() => initialValues(fields));
	const [focus, setFocus] = useState(0);
	const [message, setMessage] = useState<string | undefined>();
	const [hint, setHint] = useState<string | undefined>();
	const [saving, setSaving] = useState(false);
	// A value set by the form rather than typed remounts its input, so the cursor goes to the end.
	const [generation, setGeneration] = useState(0);
	const field = fields[focus];

	const setValue = (name: string, value: string) => {
		setValues((previous) => ({...previous, [name]: value}));
		setMessage(undefined);
	};

	const move = (step: number) => {
		setHint(undefined);
		setFocus((index) => (index + step + fields.length) % fields.length);
	};

	const submit = () => {
		setSaving(true);
		setMessage(undefined);
		onSubmit(values).then(
			() => {
				setSaving(false);
			},
			(error: unknown) => {
				setSaving(false);
				setMessage(error instanceof Error ? error.message : String(error));
			},
		);
	};

	useLatestInput((input, key) => {
		if (field === undefined || saving) return;
		const name = keyName(input, key);
		switch (name) {
			case 'esc': {
				onCancel();
				return;
			}

			case 'tab': {
				if (field.kind === 'text' && field.complete !== undefined) {
					const value = values[field.name] ?? '';
					const completion = field.complete(value);
					if (completion.count > 1) {
						const more = completion.count - completion.candidates.length;
						setHint(completion.candidates.join('  ') + (more > 0 ? `  … ${more} more` : ''));
					} else if (completion.count === 0 && /[^\s,]$/.test(value))
						setHint('no task id starts like that');
					else setHint(undefined);
					if (completion.value !== value) {
						setValue(field.name, completion.value);
						setGeneration((g) => g + 1);
						return;
					}

					if (completion.count > 0) return;
				}

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
				if (focus === fields.length - 1) submit();
				else move(1);
				return;
			}

			default: {
				break;
			}
		}

		if (field.kind === 'choice') {
			const current = field.choices.indexOf(values[field.name] ?? '');
			const count = field.choices.length;
			if (key.leftArrow || key.rightArrow) {
				const next = (current + (key.leftArrow ? -1 : 1) + count) % count;
				setValue(field.name, field.choices[next] ?? '');
				return;
			}

			const typed = input.toLowerCase();
			const chosen = /^\d$/.test(typed)
				? field.choices[Math.min(Number(typed), count - 1)]
				: field.choices.find((choice) => typed !== '' && choice.startsWith(typed));
			if (chosen !== undefined) setValue(field.name, chosen);
		}
	}, !saving);

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
				const focused = index === focus;
				const value = values[f.name] ?? '';
				return (
					<Box key={f.name} width={inner}>
						<Text color={focused ? theme.focus : theme.muted}>
							{focused ? '›' : ' '} {f.label.padEnd(labelWidth)}
						</Text>
						{f.kind === 'choice' ? (
							<Text>
								<Text color={theme.muted}>‹ </Text>
								<Text inverse={focused}>{value}</Text>
								<Text color={theme.muted}> ›</Text>
							</Text>
						) : (
							<Box flexGrow={1} overflow="hidden">
								<TextInput
									key={`${f.name}-${focused ? generation : 'idle'}`}
									value={value}
									placeholder={f.placeholder}
									focus={focused && !saving}
									showCursor={focused}
									onChange={(next) => {
										// Pasted text can carry control characters; they have no place in a title.
										setValue(f.name, next.replaceAll(/\p{Cc}/gu, ''));
									}}
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
				{saving
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
