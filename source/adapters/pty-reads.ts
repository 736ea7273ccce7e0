/**
 * Reading a pty without an allocation per read.
 *
 * node-pty reads its pty through a `tty.ReadStream`, and for each read Node allocates a zero-filled
 * 64 KB buffer, shrinks it to what came and hands it on as a new Buffer. Eight agents printing as
 * fast as they can make some 10,000 reads a second of ~600 bytes: most of the orchestrator's
 * allocations, and memory that glibc's allocator keeps once the heap is fragmented by them. Node
 * can read a stream into a buffer its caller owns (`net.Socket`'s `onread` option); node-pty does
 * not ask for it, so this turns it on for the socket node-pty made, before its first read.
 *
 * A read is decoded and handed on before the next read of any stream begins (the event loop reads
 * one stream at a time, and the callback keeps nothing of the buffer), so one buffer serves every
 * pty. Pausing still stops the reads: `net.Socket` stops its handle itself in this mode.
 *
 * It reaches into Node's internals — the symbols the `onread` option sets and the handle's
 * `useUserBuffer` — found on a probe socket rather than named; where they are not as expected,
 * nothing changes and output comes through node-pty's `onData` as before.
 */
import {readSync} from 'node:fs';
import net from 'node:net';
import {StringDecoder} from 'node:string_decoder';
import type {IPty} from 'node-pty';
import type {Disposable} from '../core/agent-ports.js';

/** As large as Node's own read buffer: a read never takes less from the kernel than before. */
const sharedBuffer = Buffer.allocUnsafe(64 * 1024);

type ReadCallback = (bytesRead: number, buffer: Buffer) => unknown;

interface UserBufferSymbols {
	readonly buffer: symbol;
	readonly callback: symbol;
}

/** The symbols under which a socket made with `onread` keeps its buffer and callback. */
const userBufferSymbols: UserBufferSymbols | undefined = (() => {
	const marker = Buffer.alloc(1);
	const callback = (): void => {};
	// Honoured by the constructor as by `net.connect`, though @types/node names it only there.
	const options = {onread: {buffer: marker, callback}} as net.SocketConstructorOpts;
	const probe = new net.Socket(options);
	try {
		const own = probe as unknown as Record<symbol, unknown>;
		const symbols = Object.getOwnPropertySymbols(probe);
		const buffer = symbols.find((symbol) => own[symbol] === marker);
		const callbackSymbol = symbols.find((symbol) => own[symbol] === callback);
		return buffer === undefined || callbackSymbol === undefined
			? undefined
			: {buffer, callback: callbackSymbol};
	} finally {
		probe.destroy();
	}
})();

interface ReadHandle {
	useUserBuffer(buffer: Buffer): void;
}

/** The socket node-pty reads from and its handle, if its reads can go to our buffer. */
function ptySocket(pty: IPty): {socket: net.Socket; handle: ReadHandle} | undefined {
	const socket = (pty as unknown as {_socket?: unknown})._socket;
	if (!(socket instanceof net.Socket)) return undefined;
	const handle = (socket as unknown as {_handle?: Partial<ReadHandle> | null})._handle;
	return typeof handle?.useUserBuffer === 'function'
		? {socket, handle: handle as ReadHandle}
		: undefined;
}

export interface PtyTextSubscription extends Disposable {
	/** The reads go to the shared buffer (false: node-pty's own Buffers, as before). */
	readonly shared: boolean;
}

/** Calls `listener` with the pty's output as text (UTF-8, a character split by a read kept whole). */
export function onPtyText(pty: IPty, listener: (text: string) => void): PtyTextSubscription {
	const found = ptySocket(pty);
	if (userBufferSymbols === undefined || found === undefined) return throughOnData(pty, listener);
	const socket = found.socket as unknown as Record<symbol, unknown>;
	// Its reads go to one listener: a second would silence the first.
	if (socket[userBufferSymbols.buffer] != null)
		throw new Error('this pty is read already: onPtyText takes one listener per pty');
	// Late, with reads already given to node-pty's listeners: those go on as they are.
	if (found.socket.bytesRead > 0) return throughOnData(pty, listener);

	const decoder = new StringDecoder('utf8');
	let listening = true;
	const onRead: ReadCallback = (bytesRead, buffer) => {
		const text = decoder.write(buffer.subarray(0, bytesRead));
		if (listening && text !== '') listener(text);
	};
	socket[userBufferSymbols.buffer] = sharedBuffer;
	socket[userBufferSymbols.callback] = onRead;
	found.handle.useUserBuffer(sharedBuffer);
	const fd = (pty as unknown as {_fd?: unknown})._fd;
	if (typeof fd === 'number') drainBeforeDestroy(found.socket, fd, onRead);
	return {
		shared: true,
		dispose() {
			listening = false;
		},
	};
}

/** The most one drain reads: far more than a pty holds (the kernel keeps some 64 KB at most). */
const maxDrainReads = 64;

/**
 * node-pty destroys its socket 200 ms after the child exits when no end of input has come by then
 * (for a child that left the terminal to a process of its own), and with it whatever the kernel
 * still holds for us: on a busy machine, or with the pty paused while the emulator or the disk
 * catches up, the agent's last output. So before the socket goes, what is left is read at once,
 * without waiting (the pty is non-blocking: an empty one says EAGAIN, a closed one EIO).
 */
function drainBeforeDestroy(socket: net.Socket, fd: number, onRead: ReadCallback): void {
	const destroy = socket.destroy.bind(socket);
	socket.destroy = (error?: Error) => {
		if (!socket.destroyed) {
			for (let reads = 0; reads < maxDrainReads; reads++) {
				let bytesRead: number;
				try {
					bytesRead = readSync(fd, sharedBuffer, 0, sharedBuffer.length, null);
				} catch {
					break;
				}

				if (bytesRead <= 0) break;
				onRead(bytesRead, sharedBuffer);
			}
		}

		return destroy(error);
	};
}

function throughOnData(pty: IPty, listener: (text: string) => void): PtyTextSubscription {
	const subscription = pty.onData(listener);
	return {shared: false, dispose: () => subscription.dispose()};
}
