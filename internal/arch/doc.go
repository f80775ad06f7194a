// Package arch holds the test that keeps Khiên's imports flowing one way:
// cmd → cli → app → web → api → httpx → features → access/valid → store/bus → engines.
package arch
