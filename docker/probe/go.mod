module netlab.dev/agent

go 1.19
