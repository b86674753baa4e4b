// Package suites loads, checks, plans and runs evalclip suites.
//
// A suite is one TOML file (see configs/ and the README's suite reference).
// Task kinds live elsewhere (the built-in ones in package suites/tasks,
// one file each): a [Kind] registered with [RegisterKind] owns the keys of
// its [[tasks]] tables through its typed [TaskConfig], which validates,
// plans and runs them. The suite itself knows only the keys every task
// has (type, name, models, datasets). Data flow:
//
//  1. [Load] decodes the file strictly: a key the schema does not know is an
//     error naming its full path (models[0].visoin) and line; enum values
//     (provider, task type, dataset format, backend ...; the accepted values
//     come from the registries of task kinds, dataset readers and encoder
//     backends) are checked while decoding so the error carries the line
//     too. Each [[tasks]] table is decoded in two steps: the common keys,
//     then the kind's own keys into its TaskConfig (a key of another kind is
//     "only used by linear_probe tasks"); then defaults. Relative paths
//     resolve against the suite file's folder, after ${VAR} expansion.
//  2. [Suite.Validate] collects every remaining problem at once (undefined
//     model names in tasks, missing files, and each kind's own checks
//     through a [Check]) as [ConfigError]s joined with errors.Join.
//     [ValidateConfig] runs a kind's checks on options a command line
//     filled.
//  3. [Plan] asks each task's kind to expand it, in file order, into [Job]s
//     through a [Planner] (per-model kinds: each selected model x dataset,
//     then the kind's own repetitions such as shots and seeds). Each job
//     carries its measurement's reports.Key.
//  4. A [Runner] executes the jobs through their task's options (or the
//     [TaskRunner]s given in Runner.Tasks, in tests), shows progress on
//     stderr, stamps each returned record with the job's key and the run's
//     metadata, and rewrites OUT/results.json atomically after every job,
//     so an interrupted run keeps what finished.
package suites
