// Package e2e holds end-to-end tests of the khien binary: they build it,
// run its commands as a user would, and signal and kill its processes.
package e2e
