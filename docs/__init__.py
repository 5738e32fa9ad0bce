"""The reference documentation, shipped as ``synthgate.docs`` so that reports can embed the
sections their results cite (``synthgate.report.docs``)."""
