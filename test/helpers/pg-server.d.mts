export declare const pgUser: string;
export declare const pgPassword: string;
export declare function findPgBinaries(): string | undefined;
export declare function startPgServer(): Promise<{
	readonly url: string;
	readonly port: number;
	stop(): Promise<void>;
}>;
