"""Settings package: ``base`` holds everything shared; ``local``, ``test`` and ``production``
choose the database, the task mode and the security switches."""
