"""Running a split: pipeline schedules simulated over the stages' times."""
