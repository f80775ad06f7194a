package vuln

import "testing"

// TestCompareVersions: the ordering of docs/vulnerabilities.md, on the
// versions the province runs.
func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.2.10", "1.2.9", 1},
		{"1.10", "1.9", 1},
		{"9.0.98", "9.0.99", -1},
		{"9.0.98", "9.0.100", -1},
		{"2.15.0", "2.16.0", -1},
		{"2.15.0", "2.15", 0},
		{"8.1.28", "8.1.29", -1},
		{"8.1.28", "8.1.3", 1},
		{"4.4.2", "4.4.10", -1},
		{"6.0", "6.0.0", 0},
		{"1.0", "1.0.0.0", 0},
		{"V1.2", "1.2", 0},
		{"v1.2", "1.2.1", -1},
		{"1.2.3+build.7", "1.2.3", 0},
		{"1.2.3+build.7", "1.2.3+build.8", 0},
		// pre-releases
		{"11.0.0-M1", "11.0.0", -1},
		{"11.0.0-M1", "11.0.0-M2", -1},
		{"11.0.0-M10", "11.0.0-M2", 1},
		{"9.0.0-M5", "9.0.0", -1},
		{"9.0.0.M1", "9.0.0-M1", 0},
		{"2.0-beta9", "2.0-rc1", -1},
		{"2.0-rc1", "2.0", -1},
		{"2.0-alpha1", "2.0-beta1", -1},
		{"2.0-dev", "2.0-alpha", -1},
		{"2.0-SNAPSHOT", "2.0", -1},
		{"2.0-milestone1", "2.0-rc1", -1},
		{"8.3.0RC1", "8.3.0", -1},
		{"8.3.0RC1", "8.2.9", 1},
		{"1.0.0-preview", "1.0.0-pre", 0},
		{"1.0.0-cr1", "1.0.0-rc1", 0},
		{"2.0-rc1", "1.9.9", 1},
		// letter suffixes (OpenSSL)
		{"1.1.1", "1.1.1k", -1},
		{"1.1.1k", "1.1.1t", -1},
		{"1.0.2k", "1.0.2K", 0},
		{"1.0.2z", "1.0.2za", -1},
		{"1.0.2za", "1.0.2zg", -1},
		{"1.0.2zg", "1.1.0", -1},
		{"r2", "R2", 0},
		{"1.1.1k", "1.1.2", -1},
		// a letter suffix sorts after a pre-release, before a number
		{"1.0rc1", "1.0a", -1},
		{"1.0a", "1.0.1", -1},
		// build numbers (NetScaler) and distribution suffixes
		{"14.1-43.50", "14.1-43.56", -1},
		{"13.1", "13.1-37.235", -1},
		{"12.1-55.328", "12.1-55.33", 1},
		{"1.18.0-6ubuntu14.4", "1.18.0", 1},
		{"1.18.0-6ubuntu14.4", "1.18.0-6ubuntu14.10", -1},
		{"2.4.55", "2.4.55", 0},
		{"12.2.1.3.0", "12.2.1.4.0", -1},
		// Debian-style epochs
		{"1:2.3-1", "2.3-1", 1},
		{"1:2.3-1", "2:1.0", -1},
		{"0:2.3", "2.3", 0},
		// leading zeros and long numbers
		{"1.010", "1.10", 0},
		{"20240101123456789012", "20240101123456789013", -1},
		{"", "", 0},
		{"", "0", 0},
		{"11.0.0-M1", "11-M1", 0},
		{"1.0.5", "1", 1},
		// found by FuzzCompareVersions: zeros before a word or the end are
		// dropped so that the order stays transitive
		{"0.0", "0a0", -1},
		{"1.0-rc1", "1a", -1},
		{"1.0-rc1", "1", -1},
	} {
		got := CompareVersions(tc.a, tc.b)
		if got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if back := CompareVersions(tc.b, tc.a); back != -tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d (antisymmetry)", tc.b, tc.a, back, -tc.want)
		}
	}
}

// FuzzCompareVersions: the ordering is total: reflexive, antisymmetric
// and transitive, on any input.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][3]string{{"1.2.10", "1.2.9", "1.2"}, {"9.0.0-M5", "9.0.0", "9.0.0k"}, {"1:2.3", "2.3-1ubuntu2", "v2.3+x"}, {"1.0.2za", "1.0.2z", "1.0.2"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if CompareVersions(a, a) != 0 {
			t.Fatalf("%q != itself", a)
		}
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if ab != -ba {
			t.Fatalf("cmp(%q,%q)=%d but cmp(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		bc, ac := CompareVersions(b, c), CompareVersions(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
	})
}
