package alert

import (
	_ "github.com/khien-project/khien/internal/feature/alert/rules"
	_ "github.com/khien-project/khien/internal/feature/trust"
	_ "github.com/khien-project/khien/internal/platform/store"
	_ "github.com/khien-project/khien/internal/web"
)
