/**
 * The task store in PostgreSQL (PRODUCT.md §15), behind the same port as `.beads/tasks.jsonl`.
 * Each task is a row holding its line exactly as the file would, so validation, unknown fields and
 * `export` are the file's. A change is one transaction: the project's writers take turns (an
 * advisory lock) and lock every row they read, so `change` sees one consistent table, as under the
 * file's lock. A claim locks only the tasks it wants, in scheduling order, skipping those another
 * run holds (`FOR UPDATE SKIP LOCKED`): runs on several machines claim side by side. The version a
 * change replaces goes to a history table, `backups` versions per task. Every change is announced
 * with `NOTIFY`, so other runs' schedulers wake at once.
 */
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {StoreError} from '../core/errors.js';
import type {Change, Clock, TaskRepository} from '../core/ports.js';
import {parseStore, storedLine, type StoreContents} from '../core/store-format.js';
import {settleStatuses, type Task, type TaskTable} from '../core/task.js';
import {migrate} from './pg-schema.js';
import type {RecoverOutcome} from './task-store.js';

export interface PgStoreOptions {
	/** The URL the client connects with (no `project`). */
	readonly connection: string;
	readonly project: string;
	/** The URL for messages, password masked. */
	readonly display: string;
	/** Previous versions kept per task (config `backups`). */
	readonly backups?: number;
	readonly clock?: Clock;
	readonly onNotice?: (message: string) => void;
	/** Connections this process may open (one more listens for changes). */
	readonly poolSize?: number;
}

/** One row of `jetpack_runs`: a run working on the project, from any machine. */
export interface SharedRun {
	readonly runId: string;
	readonly pid: number;
	readonly host: string;
	readonly folder: string;
	readonly startedAt: string;
	readonly heartbeatAt: string;
	readonly leaseUntil: string;
	readonly agents: readonly string[];
}

interface Row {
	readonly id: string;
	readonly line: string;
	readonly version: string;
}

/** What a transaction read: the rows as stored and the table they make. */
interface Read {
	readonly rows: readonly Row[];
	readonly table: TaskTable;
}

const channel = 'jetpack_tasks';

/** What one transaction wrote, to become the store's cache once it commits. */
interface Tx {
	written: (Read & {readonly key: string}) | undefined;
}
const systemClock: Clock = {now: () => new Date()};

/**
 * One sentence for a connection that failed: which server, what went wrong, what to do. The
 * password never appears: messages name the masked URL.
 */
export function explainPgError(error: unknown, display: string): StoreError {
	if (error instanceof StoreError) return error;
	const {code, message} = error as {code?: string; message?: string};
	const text = (message ?? String(error)).replace(/:\/\/([^:@/]*):[^@/]*@/g, '://$1:***@');
	switch (code) {
		case '28P01':
		case '28000': {
			return new StoreError(
				`PostgreSQL at ${display} refused the login (${text}); check the user and password in the URL (--store, JETPACK_STORE or "store" in .jetpack/config.json).`,
			);
		}

		case '3D000': {
			return new StoreError(
				`PostgreSQL at ${display}: ${text}; create it (createdb) or name one that exists in the URL.`,
			);
		}

		case 'ECONNREFUSED':
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
		case 'ETIMEDOUT':
		case 'EHOSTUNREACH':
		case 'ECONNRESET':
		case '57P01':
		case '57P03': {
			return new StoreError(
				`cannot reach PostgreSQL at ${display} (${text}); is the server running, and are the host and port right?`,
			);
		}

		default: {
			if (/timeout|terminated|Connection terminated/i.test(text))
				return new StoreError(
					`cannot reach PostgreSQL at ${display} (${text}); is the server running, and are the host and port right?`,
				);
			return new StoreError(`PostgreSQL at ${display}: ${text}.`);
		}
	}
}

export class PgStore implements TaskRepository {
	readonly kind = 'postgres';
	readonly project: string;
	/** The URL, password masked: what messages name. */
	readonly displayPath: string;
	readonly #pool: pg.Pool;
	readonly #connection: string;
	readonly #backups: number;
	readonly #clock: Clock;
	/** Told apart from other writers in the notifications: our own changes need no wake-up. */
	readonly #writer = randomUUID();
	#notice: (message: string) => void;
	#cache: (Read & {readonly key: string}) | undefined;
	#closed = false;

	private constructor(options: PgStoreOptions) {
		this.project = options.project;
		this.displayPath = options.display;
		this.#connection = options.connection;
		this.#backups = options.backups ?? 20;
		this.#clock = options.clock ?? systemClock;
		this.#notice = options.onNotice ?? (() => undefined);
		this.#pool = new pg.Pool({
			connectionString: options.connection,
			max: options.poolSize ?? 4,
			connectionTimeoutMillis: 10_000,
			idleTimeoutMillis: 10_000,
			allowExitOnIdle: true,
		});
		// A server that goes away under an idle connection: the next query reconnects (or says why not).
		this.#pool.on('error', () => undefined);
	}

	/**
	 * The URL with its project, for the environment of agents this run starts: their own calls to
	 * jetpack-tui (`task done`) must reach the same store. It carries the password: never printed.
	 */
	get urlForAgents(): string {
		const url = new URL(this.#connection);
		url.searchParams.set('project', this.project);
		return url.toString();
	}

	/** Connects, creates or migrates the schema; a bad URL, password or server is one StoreError. */
	static async open(options: PgStoreOptions): Promise<PgStore> {
		const store = new PgStore(options);
		try {
			const client = await store.#pool.connect();
			try {
				await migrate(client);
			} finally {
				client.release();
			}
		} catch (error) {
			await store.close();
			throw explainPgError(error, options.display);
		}

		return store;
	}

	redirectNotices(handler: (message: string) => void): () => void {
		const previous = this.#notice;
		this.#notice = handler;
		return () => {
			this.#notice = previous;
		};
	}

	/** Whether the project has ever been written (an import, a `task add`). */
	async exists(): Promise<boolean> {
		const result = await this.#query<{found: boolean}>(
			'SELECT EXISTS (SELECT 1 FROM jetpack_projects WHERE project = $1) AS found',
			[this.project],
		);
		return result.rows[0]?.found === true;
	}

	async read(): Promise<TaskTable> {
		const cached = this.#cache;
		if (cached !== undefined) {
			const head = await this.#query<{n: number; v: string}>(
				'SELECT count(*)::int AS n, coalesce(max(version), 0)::text AS v FROM jetpack_tasks WHERE project = $1',
				[this.project],
			);
			const row = head.rows[0];
			if (row !== undefined && `${row.n}:${row.v}` === cached.key) return cached.table;
		}

		const result = await this.#query<Row>(
			'SELECT id, line, version::text AS version FROM jetpack_tasks WHERE project = $1 ORDER BY id COLLATE "C"',
			[this.project],
		);
		return this.#parse(result.rows).table;
	}

	async update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T> {
		return this.#transaction(async (client, tx) => {
			const read = await this.#lockAll(client);
			const {tasks, result} = change(read.table);
			await this.#write(client, read, tasks, undefined, tx);
			return result;
		});
	}

	/**
	 * A claim: one transaction that locks `ids` (in the order given: the scheduler's) and skips
	 * those another transaction holds. `change` sees every task as committed now and may change
	 * only the ones in `locked`. With `want`, it locks at most that many, of those still waiting
	 * (pending or ready): several runs woken by one change then take the runnable tasks side by
	 * side, each the next ones free, rather than all the first ones and all but one nothing.
	 */
	async claim<T>(
		ids: readonly string[],
		change: (tasks: TaskTable, locked: ReadonlySet<string>) => Change<T>,
		want?: number,
	): Promise<T> {
		return this.#transaction(async (client, tx) => {
			// Claims run side by side (each on its own rows); a whole-table change waits for them.
			await client.query(
				"SELECT pg_advisory_xact_lock_shared(hashtextextended('jetpack:' || $1, 0))",
				[this.project],
			);
			const held = await client.query<{id: string}>(
				want === undefined
					? 'SELECT id FROM jetpack_tasks WHERE project = $1 AND id = ANY($2::text[]) ORDER BY array_position($2::text[], id) FOR UPDATE SKIP LOCKED'
					: "SELECT id FROM jetpack_tasks WHERE project = $1 AND id = ANY($2::text[]) AND status IN ('pending', 'ready') ORDER BY array_position($2::text[], id) LIMIT $3 FOR UPDATE SKIP LOCKED",
				want === undefined ? [this.project, ids] : [this.project, ids, want],
			);
			const locked = new Set(held.rows.map((row) => row.id));
			if (locked.size === 0) return change((await this.#readIn(client)).table, locked).result;
			const read = await this.#readIn(client);
			const {tasks, result} = change(read.table, locked);
			await this.#write(client, read, tasks, locked, tx);
			// A task locked and left as it was was skipped by any claim that ran meanwhile: those
			// runs are told, or they would wait for some other change to look again. (The same
			// notification twice in one transaction is delivered once.)
			if ([...locked].some((id) => tasks.get(id) === read.table.get(id)))
				await client.query('SELECT pg_notify($1, $2)', [
					channel,
					`${this.project}\t${this.#writer}`,
				]);
			return result;
		});
	}

	/**
	 * One transaction that also sees the runs table: `change` is handed the ids of the runs whose
	 * lease holds, after those whose lease lapsed were removed.
	 */
	async updateWithRuns<T>(
		change: (tasks: TaskTable, liveRuns: ReadonlySet<string>) => Change<T>,
	): Promise<T> {
		return this.#transaction(async (client, tx) => {
			const read = await this.#lockAll(client);
			await client.query('DELETE FROM jetpack_runs WHERE project = $1 AND lease_until < now()', [
				this.project,
			]);
			const runs = await client.query<{run_id: string}>(
				'SELECT run_id FROM jetpack_runs WHERE project = $1',
				[this.project],
			);
			const {tasks, result} = change(read.table, new Set(runs.rows.map((row) => row.run_id)));
			await this.#write(client, read, tasks, undefined, tx);
			return result;
		});
	}

	/** The rows as they are, parsed but not repaired: for `validate` (rows are lines, in id order). */
	async inspect(): Promise<{readonly contents: StoreContents; readonly text: string} | undefined> {
		if (!(await this.exists())) return undefined;
		const result = await this.#query<Row>(
			'SELECT id, line, version::text AS version FROM jetpack_tasks WHERE project = $1 ORDER BY id COLLATE "C"',
			[this.project],
		);
		const text = result.rows.map((row) => `${row.line}\n`).join('');
		if (text === '') return {contents: {kind: 'ok', table: new Map(), text}, text};
		return {contents: parseStore(Buffer.from(text, 'utf8')), text};
	}

	/**
	 * Nothing to restore: every row was checked as it was written, and no crash leaves half a row.
	 * (Tasks of runs that are gone are `releaseLapsedClaims`' business, through `updateWithRuns`.)
	 */
	async recover(): Promise<RecoverOutcome> {
		return (await this.exists()) ? {kind: 'healthy'} : {kind: 'missing'};
	}

	/** The previous versions of a task, newest first (at most `backups`). */
	async history(id: string): Promise<Array<{readonly version: string; readonly line: string}>> {
		const result = await this.#query<{version: string; line: string}>(
			'SELECT version::text AS version, line FROM jetpack_task_history WHERE project = $1 AND id = $2 ORDER BY version DESC',
			[this.project, id],
		);
		return result.rows;
	}

	// Runs and their leases.

	async registerRun(
		run: Omit<SharedRun, 'startedAt' | 'heartbeatAt' | 'leaseUntil'>,
		leaseSeconds: number,
	): Promise<void> {
		await this.#query(`INSERT INTO jetpack_projects (project) VALUES ($1) ON CONFLICT DO NOTHING`, [
			this.project,
		]);
		await this.#query(
			`INSERT INTO jetpack_runs (project, run_id, host, pid, folder, agents, lease_until)
			 VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
			[
				this.project,
				run.runId,
				run.host,
				run.pid,
				run.folder,
				JSON.stringify(run.agents),
				leaseSeconds,
			],
		);
	}

	/** Renews a run's lease; false when it is gone (it lapsed and another run took its claims). */
	async renewLease(runId: string, leaseSeconds: number): Promise<boolean> {
		const result = await this.#query(
			`UPDATE jetpack_runs SET heartbeat_at = now(), lease_until = now() + make_interval(secs => $3)
			 WHERE project = $1 AND run_id = $2`,
			[this.project, runId, leaseSeconds],
		);
		return result.rowCount === 1;
	}

	async endRun(runId: string): Promise<void> {
		await this.#query('DELETE FROM jetpack_runs WHERE project = $1 AND run_id = $2', [
			this.project,
			runId,
		]);
	}

	/** Every run whose lease holds, oldest first. */
	async liveRuns(): Promise<SharedRun[]> {
		const result = await this.#query<{
			run_id: string;
			pid: number;
			host: string;
			folder: string;
			agents: string[];
			started_at: Date;
			heartbeat_at: Date;
			lease_until: Date;
		}>(
			'SELECT * FROM jetpack_runs WHERE project = $1 AND lease_until >= now() ORDER BY started_at, run_id',
			[this.project],
		);
		return result.rows.map((row) => ({
			runId: row.run_id,
			pid: row.pid,
			host: row.host,
			folder: row.folder,
			agents: row.agents,
			startedAt: row.started_at.toISOString(),
			heartbeatAt: row.heartbeat_at.toISOString(),
			leaseUntil: row.lease_until.toISOString(),
		}));
	}

	/**
	 * Calls `changed` whenever another process changes the project (LISTEN/NOTIFY). A lost
	 * connection is re-opened with backoff, saying so, and `changed` is called once it is back (a
	 * change may have been missed meanwhile). Returns the way to stop.
	 */
	async watch(changed: () => void): Promise<() => Promise<void>> {
		let stopped = false;
		let client: pg.Client | undefined;
		let timer: NodeJS.Timeout | undefined;
		let failures = 0;
		const connect = async (): Promise<void> => {
			if (stopped) return;
			const next = new pg.Client({connectionString: this.#connection});
			next.on('notification', (message) => {
				const [project, writer] = (message.payload ?? '').split('\t');
				if (project === this.project && writer !== this.#writer) changed();
			});
			next.on('error', () => {
				lost(next);
			});
			next.on('end', () => {
				lost(next);
			});
			try {
				await next.connect();
				await next.query(`LISTEN ${channel}`);
			} catch (error) {
				await next.end().catch(() => undefined);
				if (failures === 0) throw explainPgError(error, this.displayPath);
				retry(error);
				return;
			}

			client = next;
			if (failures > 0) {
				this.#notice(`the connection to PostgreSQL at ${this.displayPath} is back.`);
				failures = 0;
				changed();
			}
		};

		const retry = (error: unknown) => {
			if (stopped) return;
			failures++;
			const seconds = Math.min(30, 0.5 * 2 ** Math.min(failures - 1, 6));
			if (failures === 1)
				this.#notice(
					`${explainPgError(error, this.displayPath).message} Retrying the connection with backoff (every ${seconds} s at first, then up to 30 s); results are kept meanwhile.`,
				);
			timer = setTimeout(() => void connect(), seconds * 1000);
			timer.unref();
		};

		const lost = (which: pg.Client) => {
			if (client !== which || stopped) return;
			client = undefined;
			void which.end().catch(() => undefined);
			retry(new Error('the connection was closed'));
		};

		await connect();
		return async () => {
			stopped = true;
			clearTimeout(timer);
			const last = client;
			client = undefined;
			await last?.end().catch(() => undefined);
		};
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		await this.#pool.end().catch(() => undefined);
	}

	async #query<R extends pg.QueryResultRow>(
		text: string,
		values: readonly unknown[],
	): Promise<pg.QueryResult<R>> {
		try {
			return await this.#pool.query<R>(text, values as unknown[]);
		} catch (error) {
			throw explainPgError(error, this.displayPath);
		}
	}

	async #transaction<T>(work: (client: pg.PoolClient, tx: Tx) => Promise<T>): Promise<T> {
		let client: pg.PoolClient;
		try {
			client = await this.#pool.connect();
		} catch (error) {
			throw explainPgError(error, this.displayPath);
		}

		let broken = false;
		const tx: Tx = {written: undefined};
		try {
			await client.query('BEGIN');
			const result = await work(client, tx);
			await client.query('COMMIT');
			if (tx.written !== undefined) this.#cache = tx.written;
			return result;
		} catch (error) {
			this.#cache = undefined;
			await client.query('ROLLBACK').catch(() => {
				broken = true;
			});
			if (error instanceof StoreError) throw error;
			const code = (error as {code?: string}).code;
			// A change of ours that is not right for the database is a bug, not the user's; the rest is the connection.
			if (code !== undefined && /^(22|23|42)/.test(code)) throw error;
			throw explainPgError(error, this.displayPath);
		} finally {
			client.release(broken);
		}
	}

	/**
	 * The project's tasks for a whole-table change: its writers take turns, and claims (which
	 * share the lock among themselves) wait, so nothing else changes a row until the commit.
	 */
	async #lockAll(client: pg.PoolClient): Promise<Read> {
		await client.query("SELECT pg_advisory_xact_lock(hashtextextended('jetpack:' || $1, 0))", [
			this.project,
		]);
		return this.#readIn(client);
	}

	/** The rows as the transaction sees them; from memory when their count and newest version say nothing changed. */
	async #readIn(client: pg.PoolClient): Promise<Read> {
		const cached = this.#cache;
		if (cached !== undefined) {
			const head = await client.query<{n: number; v: string}>(
				'SELECT count(*)::int AS n, coalesce(max(version), 0)::text AS v FROM jetpack_tasks WHERE project = $1',
				[this.project],
			);
			const row = head.rows[0];
			if (row !== undefined && `${row.n}:${row.v}` === cached.key) return cached;
		}

		const result = await client.query<Row>(
			'SELECT id, line, version::text AS version FROM jetpack_tasks WHERE project = $1 ORDER BY id COLLATE "C"',
			[this.project],
		);
		return this.#parse(result.rows);
	}

	/** The rows as a table, parsed and checked as the file's lines are; lines seen before are reused. */
	#parse(rows: readonly Row[]): Read & {readonly key: string} {
		let max = 0n;
		for (const row of rows) if (BigInt(row.version) > max) max = BigInt(row.version);
		const key = `${rows.length}:${max}`;
		const cached = this.#cache;
		if (cached?.key === key && cached.rows.length === rows.length) {
			// Same rows: the same table object, so callers' caches (the scheduler's graph) hold.
			let same = true;
			for (const [index, row] of rows.entries())
				if (cached.rows[index]?.version !== row.version) {
					same = false;
					break;
				}
			if (same) return cached;
		}

		let table: TaskTable = new Map();
		if (rows.length > 0) {
			const known = new Map<string, Task>();
			if (cached !== undefined)
				for (const [index, row] of cached.rows.entries()) {
					const task = cached.table.get(row.id);
					if (task !== undefined && index >= 0) known.set(row.line, task);
				}
			const text = `${rows.map((row) => row.line).join('\n')}\n`;
			const contents = parseStore(Buffer.from(text, 'utf8'), known);
			if (contents.kind !== 'ok') throw this.#badRow(rows, contents);
			table = contents.table;
		}

		const read = {rows, table, key};
		this.#cache = read;
		return read;
	}

	#badRow(rows: readonly Row[], contents: ReturnType<typeof parseStore>): StoreError {
		const problem = contents.kind === 'mistake' ? contents.problems[0] : undefined;
		const row = problem === undefined ? undefined : rows[problem.line - 1];
		const field = problem?.field === undefined ? '' : ` field "${problem.field}"`;
		const what =
			problem === undefined
				? contents.kind === 'damaged'
					? contents.reason
					: 'a row does not parse'
				: `task ${row?.id ?? '?'}:${field} ${problem.message}`;
		return new StoreError(
			`${this.displayPath}: ${what}; fix that row (or \`jetpack-tui task show\` the previous version from the history table).`,
		);
	}

	/**
	 * Writes the tasks that changed from `read` to `next` (settled, as the file's writes are):
	 * their old versions into the history, pruned to `backups` per task; a notification for the
	 * other runs. `only`: the rows this transaction locked, the only ones it may change.
	 */
	async #write(
		client: pg.PoolClient,
		read: Read,
		next: TaskTable,
		only: ReadonlySet<string> | undefined,
		tx: Tx,
	): Promise<void> {
		const settled = settleStatuses(next, this.#clock.now());
		const before = new Map(read.rows.map((row) => [row.id, row]));
		const ids: string[] = [];
		const lines: string[] = [];
		const statuses: string[] = [];
		for (const task of settled.values()) {
			if (only !== undefined && !only.has(task.id)) continue;
			const line = storedLine(task);
			if (before.get(task.id)?.line === line) continue;
			ids.push(task.id);
			lines.push(line);
			statuses.push(task.status);
		}

		const removed =
			only === undefined
				? read.rows.filter((row) => !settled.has(row.id)).map((row) => row.id)
				: [];
		if (ids.length === 0 && removed.length === 0) return;
		const replaced = [...ids, ...removed].flatMap((id) => {
			const row = before.get(id);
			return row === undefined ? [] : [row];
		});
		if (read.rows.length === 0)
			await client.query(
				'INSERT INTO jetpack_projects (project) VALUES ($1) ON CONFLICT DO NOTHING',
				[this.project],
			);
		if (replaced.length > 0)
			await client.query(
				`INSERT INTO jetpack_task_history (project, id, version, line)
				 SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[]) ON CONFLICT DO NOTHING`,
				[
					this.project,
					replaced.map((row) => row.id),
					replaced.map((row) => row.version),
					replaced.map((row) => row.line),
				],
			);
		const versions = new Map<string, string>();
		if (ids.length > 0) {
			const written = await client.query<{id: string; version: string}>(
				`INSERT INTO jetpack_tasks (project, id, line, status, version, updated_at)
				 SELECT $1, u.id, u.line, u.status, nextval('jetpack_task_version'), now()
				 FROM unnest($2::text[], $3::text[], $4::text[]) AS u(id, line, status)
				 ON CONFLICT (project, id) DO UPDATE SET line = excluded.line, status = excluded.status,
				 version = excluded.version, updated_at = excluded.updated_at
				 RETURNING id, version::text AS version`,
				[this.project, ids, lines, statuses],
			);
			for (const row of written.rows) versions.set(row.id, row.version);
		}

		if (removed.length > 0)
			await client.query('DELETE FROM jetpack_tasks WHERE project = $1 AND id = ANY($2::text[])', [
				this.project,
				removed,
			]);
		if (replaced.length > 0)
			await client.query(
				`DELETE FROM jetpack_task_history h USING (
					SELECT id, version, row_number() OVER (PARTITION BY id ORDER BY version DESC) AS n
					FROM jetpack_task_history WHERE project = $1 AND id = ANY($2::text[])
				 ) old
				 WHERE h.project = $1 AND h.id = old.id AND h.version = old.version AND old.n > $3`,
				[this.project, replaced.map((row) => row.id), this.#backups],
			);
		await client.query('SELECT pg_notify($1, $2)', [channel, `${this.project}\t${this.#writer}`]);
		if (only === undefined) this.#rememberWrite(tx, read, settled, ids, lines, versions);
		else this.#cache = undefined;
	}

	/**
	 * A whole-table change leaves the project exactly as written (nobody else wrote meanwhile:
	 * they waited for the lock): the next transaction need not read it again, unless someone
	 * writes in between, which the count and newest version tell. Kept only after the commit.
	 */
	#rememberWrite(
		tx: Tx,
		read: Read,
		settled: TaskTable,
		ids: readonly string[],
		lines: readonly string[],
		versions: ReadonlyMap<string, string>,
	): void {
		const changed = new Map(ids.map((id, index) => [id, lines[index] ?? '']));
		const before = new Map(read.rows.map((row) => [row.id, row]));
		const rows: Row[] = [];
		for (const id of [...settled.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
			const line = changed.get(id);
			const version = versions.get(id);
			if (line !== undefined && version !== undefined) rows.push({id, line, version});
			else {
				const old = before.get(id);
				if (old === undefined) {
					tx.written = undefined;
					return;
				}

				rows.push(old);
			}
		}

		let max = 0n;
		for (const row of rows) if (BigInt(row.version) > max) max = BigInt(row.version);
		tx.written = {rows, table: settled, key: `${rows.length}:${max}`};
	}
}
