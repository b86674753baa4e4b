// Package suites loads, checks, plans and runs evalclip suites.
//
// A suite is one TOML file (see configs/ and the README's suite reference).
// Data flow:
//
//  1. [Load] decodes the file strictly: a key the schema does not know is an
//     error naming its full path (models[0].visoin) and line; enum values
//     (provider, task type, dataset format ...) are checked while decoding so
//     the error carries the line too. Relative paths resolve against the
//     suite file's folder, after ${VAR} expansion.
//  2. [Suite.Validate] collects every remaining problem at once (undefined
//     model names in tasks, missing files, bad shots or seeds) as
//     [ConfigError]s joined with errors.Join.
//  3. [Plan] expands each task over its models x datasets (x shots x seeds
//     for the linear probe) into [Job]s in a fixed order.
//  4. A [Runner] executes the jobs through the [TaskRunner] registered for
//     each task type ([RegisterTask]), shows progress on stderr, stamps each
//     returned record with the run's metadata, and rewrites OUT/results.json
//     atomically after every job, so an interrupted run keeps what finished.
package suites
