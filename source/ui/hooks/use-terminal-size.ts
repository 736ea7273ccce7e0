import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

export interface Size {
	readonly cols: number;
	readonly rows: number;
}

/** The terminal's size, following every resize. */
export function useTerminalSize(): Size {
	const {stdout} = useStdout();
	const read = (): Size => ({cols: stdout.columns || 80, rows: stdout.rows || 24});
	const [size, setSize] = useState(read);
	useEffect(() => {
		const onResize = () => {
			setSize((last) => {
				const next = read();
				return last.cols === next.cols && last.rows === next.rows ? last : next;
			});
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
		// `read` only reads `stdout`.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [stdout]);
	return size;
}
