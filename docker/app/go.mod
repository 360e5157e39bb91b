module netlab.dev/app

go 1.19
