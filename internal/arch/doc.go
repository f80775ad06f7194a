// Package arch holds the test that keeps Khiên's tiers visible in its
// folders and its imports flowing one way: cmd → cli → app → web → api →
// features (internal/feature) → platform (internal/platform) → engines
// (internal/engine), with features meeting only through events.
package arch
