"""Record schemas, one pandera YAML file per data type (installed as ``synthgate.checks``)."""
