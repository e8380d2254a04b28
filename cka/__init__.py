"""The project's own tooling, as one importable package.

Modules, by job (`python -m cka.<module> --help` for the command-line ones):

  paths, languages, versions, curriculum, cache, console, errors   what everything shares
  content      what a file of the project is: pages, includes, file headers, classify()
  tools        the pinned external tools: registry and installers
  checks       the static checks of `make validate`, one module each, one registry
  practice     graded tasks: schema, grading, the mock exam, reports
  cluster      the practice cluster's runtimes
  labs         the lab (every manifest applied), the etcd harness, the HA lab
  site         building the site and the pages it generates
  bench        benchmarks of the build, the site, search and validate
"""
