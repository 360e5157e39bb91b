module netlab.dev/proxy

go 1.19
