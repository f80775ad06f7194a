package kit

import (
	_ "github.com/khien-project/khien/internal/app"
	_ "github.com/khien-project/khien/internal/feature/trust"
)
