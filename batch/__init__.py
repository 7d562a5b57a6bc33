"""PRGuard's batch jobs: fetch PR history, preprocess features with Spark, train the model."""
