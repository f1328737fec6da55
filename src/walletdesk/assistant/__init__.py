"""The chat assistant: answers first from the help center, collects the details a problem
needs, and hands the conversation over to a person when it should.
"""
