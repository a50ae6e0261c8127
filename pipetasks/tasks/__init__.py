"""Science and quality-assessment PipelineTasks."""
